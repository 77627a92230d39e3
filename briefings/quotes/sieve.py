"""Who said each quote: the quote sieve.

Speaker resolution runs as passes of small named resolvers over the article's quotes, in
text order (the multi-pass sieve of coreference systems). Each resolver takes one quote
and an explicit :class:`QuoteContext` (the article, its cast of people, every quote with
the speakers found so far) and returns a :class:`~.speakers.Speaker` or ``None``; the
first answer wins and names the quote's ``rule``.

* pass ``explicit``: the quote's own cue (``cue``: its subject through the mention sieve
  of :mod:`.mentions`; ``orphan_cue``: a cue whose subject the parse lost);
* pass ``context``: quotes with no cue of their own (``labelled_line``: a line opened by
  a person's name and a colon, "Trump: ..."; ``signature``: a quotation signed "- Name"
  after it; ``introducer``: the narration right
  before names who speaks; ``continuation``: the previous quote's speaker goes on;
  ``same_paragraph``: the next quote's speaker in the same paragraph; ``continued``: a
  quotation running on into a cued one). A quotation none of them places stays
  unattributed: the person the story was last about is a guess, right about one time
  in three over 840 annotated articles.

Transcript turns ("WALLACE: ...") are found separately, see :func:`transcript_turns`.
The order of the resolvers in :data:`PASSES` is the only order there is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from spacy.tokens import Doc, Span, Token

from .layout import Layout
from .marks import Marked, text_before
from .mentions import resolve_mention, someone
from .reported import Report
from .speakers import NOBODY, SUBJECT_DEPS, Cast, Speaker, looks_like_name

#: How many paragraphs of running text a speaker's remarks carry over without a cue.
_CARRY_PARAGRAPHS = 1


@dataclass(slots=True)
class QuoteItem:
    """One quote being assembled: a quotation, a reported clause, or both."""

    start: int
    end: int
    kind: str
    report: Report | None = None
    marked: Marked | None = None
    speaker: Speaker | None = None
    #: The quote's own cue names nobody who can speak ("the findings show"): no later
    #: rule may guess a speaker for it.
    settled: bool = False
    #: The quote whose speaker this one took over (continuation and the like): it can
    #: be no surer of the name than that quote.
    derived_from: "QuoteItem | None" = None


@dataclass(frozen=True)
class QuoteContext:
    """Everything a resolver may look at, passed explicitly."""

    doc: Doc
    text: str
    layout: Layout
    cast: Cast
    items: list[QuoteItem]

    def previous(self, k: int) -> QuoteItem | None:
        return self.items[k - 1] if k > 0 else None

    def next(self, k: int) -> QuoteItem | None:
        return self.items[k + 1] if k + 1 < len(self.items) else None

    def previous_speaker(self, k: int) -> Speaker | None:
        """The speaker of the nearest earlier quote that has one."""
        for j in range(k - 1, -1, -1):
            if self.items[j].speaker is not None:
                return self.items[j].speaker
        return None


QuoteResolver = Callable[[QuoteItem, int, QuoteContext], "Speaker | None"]


# -- pass "explicit" --------------------------------------------------------------------


def cue(it: QuoteItem, k: int, ctx: QuoteContext) -> Speaker | None:
    """The subject of the quote's own cue verb, through the mention sieve."""
    r = it.report
    if r is None or r.subject is None:
        return None
    speaker = resolve_mention(ctx.cast, ctx.doc[r.subject], ctx.previous_speaker(k))
    if speaker is NOBODY:
        it.settled = True
        return None
    return replace(speaker, rule=f"cue:{speaker.rule}") if speaker is not None else None


def orphan_cue(it: QuoteItem, k: int, ctx: QuoteContext) -> Speaker | None:
    """A cue whose subject the parse put inside the quotation: the person just named."""
    r = it.report
    if r is None or r.subject is not None or not r.orphan:
        return None
    person = ctx.cast.antecedent(r.cue, None, _last_person(ctx, k))
    return ctx.cast.speaker_for(person, ctx.doc[r.cue].idx) if person is not None else None


# -- pass "context" ---------------------------------------------------------------------


#: "Trump:" or "Sen. Lindsey Graham:" opening a line: up to three capitalised words.
_LABEL_NAME = re.compile(r"[ \t]*((?:[A-Z][\w.'\u2019-]* ){0,2}[A-Z][\w'\u2019-]+):[ \t]")


def labelled_line(it: QuoteItem, k: int, ctx: QuoteContext) -> Speaker | None:
    """``Trump: Cruz Has 'To Come a Long Way' On Ethanol``: a headline or paragraph that
    opens with a name the article gives a person, and a colon, quotes that person."""
    start, end = ctx.layout.bounds(it.start)
    label = _LABEL_NAME.match(ctx.text, start, end)
    if label is None or it.start < label.end():
        return None
    person = ctx.cast.person_named(label.group(1).split()[-1])
    return ctx.cast.speaker_for(person, label.start(1)) if person is not None else None


#: "- Hillary Clinton." or "— Sen. Bernie Sanders" signing a quotation: a dash and a name.
_SIGNATURE = re.compile(r"[ \t]*[-\u2013\u2014]+[ \t]*((?:[A-Z][\w.'\u2019-]* ){0,3}[A-Z][\w'\u2019-]+)\.?[ \t]*")


def signature(it: QuoteItem, k: int, ctx: QuoteContext) -> Speaker | None:
    """A quotation standing alone and signed after it, on its line or the next
    (``"Boeing and GE ... pay zero taxes."  - Sanders.``), as fact checks and epigraphs
    print them: the signing name, not the person the story was about."""
    m, text = it.marked, ctx.text
    if m is None or m.close is None or m.continuation:
        return None
    start, end = ctx.layout.bounds(it.start)
    if text_before(text, start, m):
        return None  # narration before the quotation: not one standing alone
    at, line_end = m.close + 1, end
    if text[m.close : m.close + 2] == "''":
        at += 1  # the second character of a closing ''
    if not text[at:end].strip():
        at = end
        while at < len(text) and text[at].isspace():
            at += 1
        line_end = text.find("\n", at)
        line_end = len(text) if line_end < 0 else line_end
    sig = _SIGNATURE.fullmatch(text, at, line_end)
    if sig is None:
        return None
    cast = ctx.cast
    words = cast.name_words(sig.group(1))
    if not looks_like_name(words):
        return None
    person = cast.person_named(words[-1])
    if person is not None:
        return cast.speaker_for(person, sig.start(1))
    # A full name the story never gave: still who signed (a lone word may be anything).
    return Speaker(" ".join(words), "person", None, sig.start(1), sig.end(1)) if len(words) >= 2 else None


def glossed_words(it: QuoteItem, k: int, ctx: QuoteContext) -> Speaker | None:
    """``the Larry Ellison appraisal of Musk ("This guy is landing rockets")`` and ``the
    senator's tweet ("Sad day")``: a quotation right after a noun for words
    (``lang/<code>/utterance_nouns.txt``) is the words of that noun's owner: its
    possessor, or a person's name modifying it (a medium's, "a Facebook post", is not)."""
    m = it.marked
    if m is None or m.continuation:
        return None
    doc, cast = ctx.doc, ctx.cast
    tok = doc.char_span(m.open, m.open + 1, alignment_mode="expand")
    if tok is None:
        return None
    j = tok.start - 1
    while j >= 0 and doc[j].text in _GLOSS_PUNCT and tok.start - j <= 2:
        j -= 1
    if j < 0 or doc[j].is_punct:
        return None
    noun = doc[j]
    while noun.dep_ == "pobj" and noun.head.lower_ == "of" and noun.head.head.pos_ == "NOUN":
        noun = noun.head.head  # "the Ellison appraisal of Elon Musk": the appraisal
    if noun.pos_ != "NOUN" or noun.lemma_.lower() not in cast.vocab.utterance_nouns:
        return None
    # The possessor owns the words ("Bush's Facebook post"); a name modifying the noun
    # does only when it is a person's ("the Ellison appraisal"), not a medium's.
    owner = next((c for c in noun.lefts if c.dep_ == "poss"), None)
    kinds: tuple[str, ...] = ("person", "organization")
    if owner is None:
        owner = next((c for c in reversed(list(noun.lefts)) if c.dep_ == "compound" and c.ent_type_ == "PERSON"), None)
        kinds = ("person",)
    if owner is None or cast.quoted.contains(owner.idx):
        return None
    speaker = someone(resolve_mention(cast, owner, ctx.previous_speaker(k)))
    return speaker if speaker is not None and speaker.kind in kinds else None


#: What may stand between a noun for words and the quotation that gives them.
_GLOSS_PUNCT = frozenset({"(", ":", ",", "\u2014", "\u2013", "-"})


def introducer(it: QuoteItem, k: int, ctx: QuoteContext) -> Speaker | None:
    """``Musk took to Twitter with this: "..."`` and ``Durning did not need much coaxing.
    "I'm thankful ..."``: a sentence just before the quotation (same or previous
    paragraph, no quotation in it) whose main subject is a person introduces them."""
    m = it.marked
    if m is None or m.continuation:
        return None
    doc, text, cast, layout = ctx.doc, ctx.text, ctx.cast, ctx.layout
    tok = doc.char_span(m.open, m.open + 1, alignment_mode="expand")
    if tok is None:
        return None
    sent = tok.sent
    before = text_before(text, sent.start_char, m)
    if sent.start_char < m.open and before:
        candidate = sent
        if not before.endswith(":"):
            return None
    elif sent.start > 0:
        candidate = _without_stray_marks(doc[sent.start - 1].sent)
        if _has_quotation(cast, candidate) or layout.rank(m.start) - layout.rank(candidate.start_char) > 1:
            return None  # a sentence carrying a quotation attributes it; it introduces nobody
    else:
        return None
    head = candidate.root
    if candidate is sent:
        # The clause that ends at the colon, not the whole sentence's main clause.
        j = tok.start - 1
        while j > sent.start and doc[j].is_punct:
            j -= 1
        head = doc[j]
        while head.pos_ not in {"VERB", "AUX"} and head.head.i != head.i:
            head = head.head
        head = _reporting_verb(head, cast)
    subject = None
    for _ in range(3):
        # "apologized for what happened:": a wh-word is no one, look further up.
        subject = next((c for c in head.children if c.dep_ in SUBJECT_DEPS and c.tag_ not in _WH_TAGS), None)
        if subject is None and head.dep_ == "acl" and head.head.pos_ in {"PROPN", "NOUN"}:
            # "Mitt Romney, the nominee, tweeted in response:" parsed as a clause hung on
            # the name: the name is the subject.
            subject = head.head
        if subject is not None or head.head.i == head.i:
            break
        head = head.head
    if subject is None or cast.quoted.contains(subject.idx):
        return None
    speaker = someone(resolve_mention(cast, subject, ctx.previous_speaker(k)))
    return speaker if speaker is not None and speaker.person is not None else None


#: Penn tags of wh-words ("what", "which"), which open a clause but name nobody.
_WH_TAGS = frozenset({"WP", "WDT"})
#: Dependencies that join a verb to another event rather than to what was said.
_OTHER_EVENT = frozenset({"conj", "advcl", "parataxis"})


def _reporting_verb(head: Token, cast: Cast) -> Token:
    """ "Another said he hoped that Trump wins:": the clause at the colon is what someone
    said, so whoever said it introduces the quotation, not that clause's subject. The
    speech verb must govern the clause (not merely be coordinated with it: "... said it,
    and Potts echoed:") and come before it, outside quotation marks."""
    tok = head
    while tok.head.i != tok.i and tok.dep_ not in _OTHER_EVENT:
        tok = tok.head
        if tok.lemma_ in cast.vocab.speech_verbs and tok.i < head.i and not cast.quoted.contains(tok.idx):
            return tok
    return head


def _without_stray_marks(sent: Span) -> Span:
    """The sentence without the closing mark and line breaks the parser put at its start
    (a quotation closing the paragraph before), which are no part of it."""
    k = sent.start
    while k < sent.end - 1 and (sent.doc[k].is_space or sent.doc[k].is_quote):
        k += 1
    return sent.doc[k : sent.end]


def _has_quotation(cast: Cast, sent) -> bool:
    return cast.quoted.overlaps(sent.start_char, sent.end_char)


def fragment_subject(it: QuoteItem, k: int, ctx: QuoteContext) -> Speaker | None:
    """A short quoted fragment inside narration about someone ('Purdy, who lost 16 lbs.
    "and two belt loops", ...'), or a whole quotation set in it ('Backer has egged
    on supporters with pep talks like "Bernie will win ..."'): the words are the sentence
    subject's, when that is a person, not the previous speaker's."""
    if it.kind not in ("partial", "direct") or it.marked is None or it.report is not None:
        return None
    span = ctx.doc.char_span(it.start, it.end, alignment_mode="expand")
    if span is None:
        return None
    if it.kind == "direct" and (
        opens_sentence(it.marked, span.sent) or not any(t.pos_ in ("VERB", "AUX") for t in span) or _headline_case(span)
    ):
        # a quotation that opens its sentence is not narration about someone, and one
        # without a verb or in headline case is a name or a title ('the founder of
        # "Indians for Hillary 2008."', 'a memo titled "The Facts on Where the Race Stands."')
        return None
    root = span.sent.root
    subject = next((c for c in root.children if c.dep_ in SUBJECT_DEPS), None)
    if subject is None or ctx.cast.quoted.contains(subject.idx) or subject.pos_ == "PRON":
        return None
    if _authored_before(span, subject, ctx):
        return None
    speaker = someone(resolve_mention(ctx.cast, subject, ctx.previous_speaker(k)))
    return speaker if speaker is not None and speaker.person is not None else None


def _authored_before(span: Span, subject: Token, ctx: QuoteContext) -> bool:
    """Whether the quoted words are someone else's by the words before them: between the
    sentence's subject and the quotation, "by" or "from" with a named person or body, or
    one person described, as its object ("a statement by actor George Clooney that an
    "obscene amount" ...", "an order signed by the state governor "..."", "comments from
    Leon Panetta that "...""; not "flanked by supporters"). Read from the words, not the
    parse tree, which often hangs "by X" on the main verb."""
    doc, vocab = span.doc, ctx.cast.vocab
    for t in doc[subject.i + 1 : span.start]:
        if t.lower_ not in _AUTHOR_PREPS:
            continue
        for g in t.children:
            if g.dep_ != "pobj":
                continue
            if g.ent_type_ in ("PERSON", "ORG") or g.lemma_.lower() in vocab.titles:
                return True
            if g.tag_ == "NN" and g.lemma_.lower() in vocab.person_nouns:
                return True  # "by the actor Dana Hill", "from a senior aide"
            if g.pos_ == "PROPN" and g.ent_type_ not in _PLACES:
                return True
    return False


_PLACES = frozenset({"GPE", "LOC", "FAC", "DATE", "TIME", "EVENT"})
_AUTHOR_PREPS = frozenset({"by", "from"})


def opens_sentence(m: Marked, sent: Span) -> bool:
    """Whether quotation ``m`` opens sentence ``sent``: no word or number before its
    opening mark, only punctuation or space."""
    return not any(t.is_alpha or t.is_digit for t in sent if t.idx < m.outer[0])


def _headline_case(span: Span) -> bool:
    """Every word of three letters or more capitalised, as in a title ("Jeb Can Fix It",
    "The Inside Story of the Real Donald Trump"); function words may stay lower case."""
    words = [t for t in span if t.is_alpha and len(t) >= 3 and not t.is_stop]
    return (
        len(words) >= 2
        and all(t.text[0].isupper() for t in words)
        and not any(t.is_alpha and t.is_lower and not t.is_stop for t in span)
    )


def continuation(it: QuoteItem, k: int, ctx: QuoteContext) -> Speaker | None:
    """The previous quote's speaker goes on: a quotation reopened on a new paragraph, or
    an uncued quote in the paragraph after a quote; after a quote whose cue names
    nobody, nobody."""
    prev = ctx.previous(k)
    if prev is None or (prev.speaker is None and not prev.settled):
        return None
    m = it.marked
    if (m is not None and m.continuation) or ctx.layout.rank(it.start) - ctx.layout.rank(
        prev.start
    ) <= _CARRY_PARAGRAPHS:
        if prev.speaker is None:
            # '"...," the statement said. "..."': the words go on in a voice nobody is
            # named for, so no later rule may guess one.
            it.settled = True
            return None
        it.derived_from = prev
        return prev.speaker
    return None


def same_paragraph(it: QuoteItem, k: int, ctx: QuoteContext) -> Speaker | None:
    """The next quote in the same paragraph has a speaker: ``"A." "B," she said.`` Only a
    quotation straight after this one or a quote in the same sentence ("The ad hits her
    for taking "..." and claims that ..."): the subject of a later sentence ("Mayor Grant
    also announced ..., telling residents that ...") did not say words quoted before it."""
    nxt = ctx.next(k)
    if (
        nxt is not None
        and nxt.speaker is not None
        and ctx.layout.index(nxt.start) == ctx.layout.index(it.start)
        and (_adjacent(it, nxt, ctx) or _same_sentence(it, nxt, ctx))
    ):
        it.derived_from = nxt
        return nxt.speaker
    return None


def _adjacent(it: QuoteItem, nxt: QuoteItem, ctx: QuoteContext) -> bool:
    """A quotation follows with nothing but marks and spaces between."""
    return nxt.marked is not None and not any(ch.isalnum() for ch in ctx.text[it.end : nxt.start])


def _same_sentence(it: QuoteItem, nxt: QuoteItem, ctx: QuoteContext) -> bool:
    """The next quote starts in the sentence where this one ends."""
    last = ctx.doc.char_span(max(it.start, it.end - 1), it.end, alignment_mode="expand")
    return last is not None and nxt.start < last.sent.end_char


def continued(it: QuoteItem, k: int, ctx: QuoteContext) -> Speaker | None:
    """A quotation that runs on into the next paragraph's cued quotation."""
    nxt = ctx.next(k)
    if it.marked is not None and it.marked.continued and nxt is not None and nxt.speaker is not None:
        it.derived_from = nxt
        return nxt.speaker
    return None


def _last_person(ctx: QuoteContext, k: int):
    prev = ctx.previous_speaker(k)
    return prev.person if prev is not None else None


#: The sieve: passes in order, each an ordered list of named resolvers.
PASSES: tuple[tuple[str, tuple[tuple[str, QuoteResolver], ...]], ...] = (
    ("explicit", (("cue", cue), ("orphan_cue", orphan_cue))),
    (
        "context",
        (
            ("labelled_line", labelled_line),
            ("signature", signature),
            ("glossed_words", glossed_words),
            ("introducer", introducer),
            ("fragment_subject", fragment_subject),
            ("continuation", continuation),
            ("same_paragraph", same_paragraph),
            ("continued", continued),
        ),
    ),
)


def run_pass(name: str, ctx: QuoteContext) -> None:
    """Resolve every quote still without a speaker with the resolvers of pass ``name``."""
    resolvers = dict(PASSES)[name]
    for k, it in enumerate(ctx.items):
        if it.speaker is not None or it.settled:
            continue
        for rule, resolver in resolvers:
            speaker = resolver(it, k, ctx)
            if speaker is not None:
                it.speaker = replace(speaker, rule=speaker.rule if rule == "cue" else rule)
                break
            if it.settled:
                break


_TURN = re.compile(r"^[ \t]*[\"\u201c]?([A-Z][A-Z.'\u2019-]+(?: [A-Z][A-Z.'\u2019-]+){0,2}):[ \t]+(\S[^\n]*)$", re.M)


def transcript_turns(text: str, items: list[QuoteItem], cast: Cast) -> list[QuoteItem]:
    """Interview transcripts: "WALLACE: But, Governor, ..." is a turn by the person the
    article calls Wallace. Only labels naming someone the article names count, so
    "READ MORE:" or "UPDATE:" never become speakers; what the turn itself reports is
    part of the turn."""
    found = list(_TURN.finditer(text))
    if not found:
        return items
    people = {m.group(1): cast.person_named(m.group(1).title().split()[-1]) for m in found}
    counts: dict[str, int] = {}
    for m in found:
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    # Once one label names a known person the article is a transcript, and its other
    # recurring labels are speakers too (the interviewer the story never introduces).
    transcript = any(p is not None for p in people.values())
    turns = []
    for m in found:
        label, person = m.group(1), people[m.group(1)]
        if person is None and not (transcript and counts[label] > 1):
            continue
        start, end = m.start(2), m.end(2)
        while end > start and (text[end - 1].isspace() or text[end - 1] in '"\u201d'):
            end -= 1
        speaker = (
            cast.speaker_for(person, start)
            if person is not None
            else Speaker(label.title(), "person", None, m.start(1), m.end(1))
        )
        turns.append(QuoteItem(start, end, "direct", speaker=replace(speaker, rule="transcript_turn")))
    if not turns:
        return items
    kept = [it for it in items if not any(it.start < t.end and t.start < it.end for t in turns)]
    return sorted(kept + turns, key=lambda it: it.start)
