"""Which sentences of a parsed article may appear in a summary, and what each one needs.

A summary sentence is shown to a channel on its own, so it has to read as a complete,
self-contained statement of the story. News text, and CNN/DailyMail text above all, is
full of sentences that do not: photo captions glued to the running text without
punctuation ("... in 2012 The risk paid off ..."), "Scroll down for video", bylines and
share lines, pieces of a quotation that runs over several sentences, questions, verbless
labels, and sentences that lean on the one before ("But that changed.", "He said.").

This module looks at every sentence once, from token arrays of the existing parse (no
re-parsing), and returns the usable ones as :class:`Candidate` records: the span to show
(a caption glued to the front of a real sentence is cut off rather than losing the whole
sentence), the content lemmas used for ranking and duplicate checks, and what the
sentence needs from the summary around it (its predecessor for an opening connective, an
antecedent for an opening pronoun). Rejected sentences keep a reason, for tests and
debugging.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from spacy.attrs import (
    DEP,
    ENT_IOB,
    ENT_TYPE,
    HEAD,
    IDX,
    IS_ALPHA,
    IS_STOP,
    IS_TITLE,
    LEMMA,
    ORTH,
    POS,
    SENT_START,
    SPACY,
    TAG,
)
from spacy.tokens import Doc

from briefings import lang
from briefings.inline_furniture import BYLINE, furniture_offsets
from briefings.quotes.marks import find_marked

#: Content words shorter than this carry no topic ("mr", "st").
MIN_CONTENT_CHARS = 2
#: A usable sentence has at least this many words...
MIN_WORDS = 6
#: ...and at most this many (longer ones are run-ons of several captions).
MAX_WORDS = 70
#: A tail cut from a caption run-on must still be a sentence of this many words.
MIN_SALVAGE_WORDS = 8

#: "Sleepy kid: Brock Guzman ..." -- a verbless label of at most this many words, then a
#: colon, starts a photo caption.
MAX_LABEL_WORDS = 3
#: A capitalised function word between a word and a lowercase word can only start a
#: sentence ("... in 2012 The risk paid off"), so it marks a caption glued to the text even
#: when no clean tail can be cut. (Before a capitalised word it is more likely a title:
#: "The Sims", "Drink Or Die".) These few also name things mid-sentence: "vitamin A",
#: "the No campaign".
WEAK_SEAMS = frozenset({"a", "i", "no"})
#: ...except the article, when the parse reads it as one ("stolen A seven-year-old girl
#: who ...": a determiner after a verb can only open a new sentence's noun phrase).
ARTICLE_SEAMS = frozenset({"a"})
#: Openers that link a sentence to the one before it; such a sentence is only shown
#: right after its predecessor.
CONNECTIVES = frozenset(
    """but however and or so yet still also instead meanwhile then thus therefore moreover
    furthermore besides nevertheless nonetheless otherwise likewise similarly consequently
    hence indeed plus nor this that these those such another other here there's both
    neither either later afterwards earlier again""".split()
)
#: Multi-word openers with the same effect.
CONNECTIVE_PHRASES = (
    "in addition",
    "as a result",
    "by contrast",
    "in contrast",
    "on the other hand",
    "even so",
    "at the same time",
    "in turn",
    "after that",
    "for example",
    "for instance",
    "the same",
    "in fact",
    "that is why",
    "that's why",
    "not only",
    "as well",
)
#: Third-person pronouns that point back to someone or something named earlier.
PERSON_PRONOUNS = frozenset("he she him her his hers himself herself".split())
THING_PRONOUNS = frozenset("it its itself they them their theirs themselves".split())

_VERB_POS = frozenset({"VERB", "AUX"})
#: Dependents only a verb takes: a word that heads one is a verb, whatever its tag.
_CLAUSE_ARGS = frozenset({"nsubj", "nsubjpass", "dobj"})
#: Capitalised long words that make a sentence a heading or a title rather than prose.
_TITLE_CASE_WORDS = 4
_TERMINAL = frozenset({".", "!", "?", "\u2026", "..."})
_CLOSERS = frozenset({'"', "'", "\u201d", "\u2019", ")", "]"})
_QUOTE_MARKS = frozenset({'"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "``", "''"})
#: Dependency labels of words that open a subject phrase ("The", "A respected", "Two").
_SUBJECT_PARTS = frozenset({"det", "amod", "compound", "nummod", "poss", "quantmod"})
#: Dependency labels of nouns that do not name the sentence's subject matter.
_MINOR_NOUN_DEPS = frozenset({"pobj", "compound", "poss", "npadvmod"})


@dataclass(slots=True)
class Candidate:
    """One sentence (or the usable tail of one) and what the ranker needs to know."""

    index: int
    start: int
    end: int
    words: int
    content: frozenset[int]
    needs_previous: bool = False
    pronoun: str | None = None
    has_person: bool = False
    reason: str | None = None

    @property
    def usable(self) -> bool:
        return self.reason is None


class _Arrays:
    """The token attributes the filters read, as plain Python lists (fast to index)."""

    __slots__ = (
        "lemma",
        "alpha",
        "stop",
        "title",
        "pos",
        "tag",
        "dep",
        "iob",
        "ent",
        "idx",
        "head",
        "text",
        "space",
        "lower",
        "in_quote",
        "furniture",
        "doc_text",
    )

    def __init__(self, doc: Doc) -> None:
        attrs = [LEMMA, IS_ALPHA, IS_STOP, IS_TITLE, POS, TAG, DEP, ENT_IOB, ENT_TYPE, IDX, ORTH, SPACY, HEAD]
        cols = doc.to_array(attrs).T.tolist()
        self.lemma, self.alpha, self.stop, self.title, pos, tag, dep, self.iob, ent = cols[:9]
        self.idx, orth, self.space, head = cols[9:]
        # HEAD comes as an unsigned offset from the token; make it an absolute index.
        self.head = [i + (h if h < 2**63 else h - 2**64) for i, h in enumerate(head)]
        names = doc.vocab.strings
        lookup: dict[int, str] = {0: ""}
        for col in (pos, tag, dep, ent, orth):
            for v in set(col):
                if v not in lookup:
                    lookup[v] = names[v]
        self.pos = [lookup[p] for p in pos]
        self.tag = [lookup[t] for t in tag]
        self.dep = [lookup[d] for d in dep]
        self.ent = [lookup[e] for e in ent]
        self.text = [lookup[o] for o in orth]
        # Rebuilt from the arrays: Doc.text walks every Token object, which costs more.
        self.doc_text = text = "".join(t + " " if sp else t for t, sp in zip(self.text, self.space))
        self.lower = [t.lower() for t in self.text]
        self.in_quote = _quote_state(self)
        self.furniture = self._furniture_tokens(text)

    def _furniture_tokens(self, text: str) -> set[int]:
        """Tokens where inline furniture shows (one scan of the whole text, not per sentence)."""
        return {bisect_right(self.idx, at) - 1 for at in furniture_offsets(text)}

    def span_text(self, start: int, end: int) -> str:
        return self.doc_text[self.idx[start] : self.idx[end - 1] + len(self.text[end - 1])]


def _quote_state(a: _Arrays) -> list[bool]:
    """For each token, whether it lies inside quotation marks (the marks themselves not).

    The quotation spans come from :func:`briefings.quotes.marks.find_marked`, the same
    detector who-said-what uses, so a sentence the summarizer treats as quoted is one the
    quote extractor sees as a quotation (double marks, and single marks used as
    quotation marks; apostrophes are not quotations).
    """
    spans = [(m.open + 1, m.close if m.close is not None else m.end) for m in find_marked(a.doc_text)]
    out = [False] * len(a.idx)
    if not spans:
        return out
    k = 0
    for i, at in enumerate(a.idx):
        while k < len(spans) and spans[k][1] <= at:
            k += 1
        if k == len(spans):
            break
        out[i] = spans[k][0] <= at
    return out


def candidates(doc: Doc) -> list[Candidate]:
    """Every sentence of ``doc`` in order, usable ones with ``reason`` None."""
    if not len(doc):
        return []
    a = _Arrays(doc)
    return [_judge(a, index, start, end) for index, (start, end) in enumerate(_units(doc, a))]


def _units(doc: Doc, a: _Arrays) -> list[tuple[int, int]]:
    """The parser's sentences, re-joined where it split a sentence in two.

    The statistical parser sometimes breaks before a lowercase continuation ("...
    line-up | but it appears ..."); a sentence that starts in lowercase after one that
    did not end in terminal punctuation belongs to it, unless a paragraph break
    separates them.
    """
    units: list[tuple[int, int]] = []
    # A sentence never runs over a paragraph break, whatever the parser thought.
    breaks = {i + 1 for i, t in enumerate(a.text) if "\n" in t and not t.strip()}
    flags = doc.to_array(SENT_START).tolist()
    starts = sorted({i for i, flag in enumerate(flags) if flag == 1} | breaks | {0})
    starts = [i for i in starts if i < len(doc)]
    for start, end in zip(starts, starts[1:] + [len(doc)]):
        start, end = _trim(a, start, end)
        if start >= end:
            continue
        if units and a.text[start][:1].islower() and start not in breaks:
            pstart, pend = units[-1]
            if a.text[pend - 1] not in _TERMINAL:
                units[-1] = (pstart, end)
                continue
        units.append((start, end))
    return units


def _trim(a: _Arrays, start: int, end: int) -> tuple[int, int]:
    """Drop whitespace tokens at either end of a sentence."""
    while start < end and not a.text[start].strip():
        start += 1
    while end > start and not a.text[end - 1].strip():
        end -= 1
    return start, end


def _judge(a: _Arrays, index: int, start: int, end: int) -> Candidate:
    cut = _run_on_cut(a, start, end)
    if cut is not None and cut < 0:
        cand = _describe(a, index, start, end)
        cand.reason = "caption run-on"
        return cand
    salvaged = cut is not None and cut > start
    if cut is not None and salvaged:
        start = cut
    cand = _describe(a, index, start, end)
    if cand.words == 0:
        cand.reason = "empty"
        return cand
    cand.reason = _reject_reason(a, start, end, cand, salvaged)
    return cand


def _describe(a: _Arrays, index: int, start: int, end: int) -> Candidate:
    content = set()
    words = 0
    has_person = False
    for i in range(start, end):
        if a.alpha[i]:
            words += 1
            if not a.stop[i] and len(a.text[i]) >= MIN_CONTENT_CHARS:
                content.add(a.lemma[i])
        elif a.text[i][:1].isdigit():
            words += 1
        if a.ent[i] == "PERSON":
            has_person = True
    return Candidate(index, start, end, words, frozenset(content), has_person=has_person)


def _run_on_cut(a: _Arrays, start: int, end: int) -> int | None:
    """Where the real sentence starts if captions were glued in front of it.

    DailyMail pages lose the line breaks around photo captions, so a caption runs into
    the next sentence without punctuation: "... in Australia The risk paid off as ...".
    A capitalised word that is not a name, straight after a word (no punctuation
    between), marks the seam; so do a sentence that starts over with its own opening
    words (captions restate the sentence they sit above) and an upper-case heading
    ("BALL OF THE CENTURY Benaud was ..."); a label in capitals and a colon ("KEEPING
    SCORE: In Europe, ...") is cut off before the seams are looked for. Returns the
    start of the tail after the last seam (or the label) when that tail is a sentence
    of its own, -1 when the sentence is a caption run-on with no usable tail, and None
    when there is neither.
    """
    label = _heading_label(a, start, end)
    if label is not None:
        start = label
    else:
        # "Wanted: Police in Maryland have issued ... Police in Maryland have launched
        # ...": a caption's label is no part of the words that a sentence restating the
        # caption repeats (the sentence stays rejected unless a seam is found).
        start = _caption_label_end(a, start, end) or start
    seams = [i for i in range(start + 1, end) if _is_seam(a, i)]
    for extra in (_repeat_seam(a, start, end), _heading_seam(a, start, end)):
        if extra is not None:
            seams.append(extra)
    if not seams:
        return label
    cut = max(seams)
    if _is_clause(a, cut, end):
        return cut
    if a.pos[cut] == "DET" and _is_strong_seam(a, cut, end) and _has_verb(a, cut, end):
        # "... when the vehicle was stolen An eight-year-old boy who took a snooze ...
        # slept through his own kidnapping": "An" before a lower-case word can only open
        # a sentence, even where the parser, reading on, folded the tail into the caption.
        return cut
    if any(_is_strong_seam(a, i, end) for i in seams):
        return -1
    return label


def _is_seam(a: _Arrays, i: int) -> bool:
    if not (a.title[i] and a.alpha[i]) or a.lower[i] == "i" or a.iob[i] in (1, 3):
        return False
    prev = i - 1
    if not (a.alpha[prev] or a.text[prev][:1].isdigit()):
        return False
    if a.ent[i] or a.pos[i] == "PROPN" or a.in_quote[i]:
        return False
    # A capitalised common word after a capitalised word is a title ("Court of Appeal").
    return bool(a.stop[i]) or not a.title[prev]


def _is_strong_seam(a: _Arrays, i: int, end: int) -> bool:
    if not a.stop[i] or a.pos[i] == "NUM" or not a.space[i]:
        return False
    if a.lower[i] in WEAK_SEAMS and not (a.lower[i] in ARTICLE_SEAMS and _opens_phrase(a, i)):
        return False
    nxt = i + 1
    return nxt < end and (a.text[nxt][:1].isdigit() or (a.alpha[nxt] and a.text[nxt].islower()))


def _opens_phrase(a: _Arrays, i: int) -> bool:
    """A determiner opening a noun phrase ("stolen A seven-year-old girl who ..."), not
    part of a name ("vitamin A", "Plan A") or a word after a determiner."""
    return a.pos[i] == "DET" and a.dep[i] == "det" and a.pos[i - 1] not in ("DET", "ADJ")


def _heading_seam(a: _Arrays, start: int, end: int) -> int | None:
    """End of a leading run of two or more upper-case words followed by a normal word."""
    i = start
    while i < end and (a.text[i].isupper() and len(a.text[i]) > 1 or a.text[i] in ("'S", "\u2019S")):
        i += 1
    if i - start >= 2 and i < end and a.title[i]:
        return i
    return None


def _heading_label(a: _Arrays, start: int, end: int) -> int | None:
    """Where the text starts after a label in capitals and a colon opening the sentence
    ("KEEPING SCORE: In Europe, ...", "UPDATE: The council ..."): a section heading of
    the page, never part of the sentence."""
    i = start
    while i < end and (a.text[i].isupper() and len(a.text[i]) > 1 and a.alpha[i] or a.text[i] in ("'S", "\u2019S")):
        i += 1
    if i == start or i + 1 >= end or a.text[i] != ":":
        return None
    return i + 1 if a.title[i + 1] or a.text[i + 1][:1].isdigit() else None


def _is_clause(a: _Arrays, start: int, end: int) -> bool:
    """Whether tokens start..end open with the subject of a verb that is also among them.

    A caption seam starts the next sentence's subject ("The risk paid off", "A respected
    bank manager ... will pay"); a capitalised word inside a name or title does not.
    """
    first = start
    if a.dep[first] in _SUBJECT_PARTS and start <= a.head[first] < end:
        first = a.head[first]
    if a.dep[first] not in ("nsubj", "nsubjpass"):
        return False
    verb = a.head[first]
    return start <= verb < end and a.pos[verb] in _VERB_POS


def _repeat_seam(a: _Arrays, start: int, end: int, n: int = 3) -> int | None:
    """Where the sentence starts over: a capitalised repeat of its n opening words."""
    if end - start < 2 * n:
        return None
    opening = a.lower[start : start + n]
    i = start + n
    while True:
        try:
            i = a.lower.index(opening[0], i, end - n + 1)
        except ValueError:
            return None
        if a.lower[i : i + n] == opening and a.title[i] and a.alpha[i - 1]:
            return i
        i += 1


def _reject_reason(a: _Arrays, start: int, end: int, cand: Candidate, salvaged: bool) -> str | None:
    """Why the sentence cannot be shown alone, or None; notes what it needs if usable."""
    text = a.span_text(start, end)
    last = a.text[end - 1]
    if any(start <= i < end for i in a.furniture) or BYLINE.match(text):
        return "furniture"
    if not _ends_sentence(a, start, end):
        return "no final punctuation"
    if "?" in (last, a.text[end - 2] if end - start > 1 else ""):
        return "question"
    if cand.words < (MIN_SALVAGE_WORDS if salvaged else MIN_WORDS):
        return "too short"
    if cand.words > MAX_WORDS:
        return "too long"
    if _caption_label(a, start, end):
        return "caption label"
    if not text[:1].isupper() and not (text[:1] in "\"'\u201c\u2018([" and text[1:2].isupper()):
        return "starts mid-sentence"
    if not _has_verb(a, start, end):
        return "no verb"
    if _title_case(a, start, end):
        return "title case"
    quote = _quote_reason(a, start, end)
    if quote:
        return quote
    if _opens_with_connective(a, start, end):
        cand.needs_previous = True
    cand.pronoun = _leading_pronoun(a, start, end)
    return None


def _ends_sentence(a: _Arrays, start: int, end: int) -> bool:
    """Whether the sentence ends in terminal punctuation (perhaps inside a closing mark),
    or in an abbreviation whose full stop is the sentence's too, which the tokenizer kept
    with the word ("... losses of 1.2m.", "... country star Hank Williams Jr."); never a
    title ("Dr.", "Sgt.": a name always follows one, lang/en/titles.txt)."""
    last = a.text[end - 1]
    if last in _TERMINAL or (last in _CLOSERS and end - start > 1 and a.text[end - 2] in _TERMINAL):
        return True
    return len(last) > 1 and last.endswith(".") and last[-2] != "." and last.lower() not in lang.words("en", "titles")


def _has_verb(a: _Arrays, start: int, end: int) -> bool:
    """A verb by its tag, or a word the parser gave a subject or an object: the tagger
    now and then calls a verb a noun ("Sportsmail/NN recounts/NNS 10 of his finest
    moments", "The 62-year-old sang/NN Hey Jude"), while the parse still sees the clause."""
    if any(p in _VERB_POS for p in a.pos[start:end]):
        return True
    return any(a.dep[i] in _CLAUSE_ARGS and start <= a.head[i] < end for i in range(start, end))


def _title_case(a: _Arrays, start: int, end: int) -> bool:
    """Every verb and every word of four letters or more capitalised, outside quotation
    marks: a heading, a reference or a list of titles ("Visualizing Data Using t-SNE."),
    never prose, whose verbs are lower case ("Collins ran in Birmingham ...")."""
    words = [i for i in range(start, end) if a.text[i].isalpha() and not a.in_quote[i]]
    long = [i for i in words if len(a.text[i]) >= 4 or a.pos[i] in _VERB_POS]
    return len(long) >= _TITLE_CASE_WORDS and all(a.text[i][0].isupper() for i in long)


def _quote_reason(a: _Arrays, start: int, end: int) -> str | None:
    """Pieces of quotations cannot stand alone: only whole, attributed quotes pass."""
    if a.in_quote[start]:
        return "inside a quotation"
    if end < len(a.in_quote) and _open_after(a, end - 1):
        return "quotation runs on"
    if any(a.in_quote[i] for i in range(start, end)):
        outside = [i for i in range(start, end) if not a.in_quote[i] and a.alpha[i]]
        if not any(a.pos[i] in _VERB_POS for i in outside):
            return "bare quotation"
    return None


def _caption_label(a: _Arrays, start: int, end: int) -> bool:
    """A few verbless words and a colon open the sentence: a photo caption's label. One
    word alone is a label even when it is a participle ("Wanted:", "Pictured:")."""
    return _caption_label_end(a, start, end) is not None


def _caption_label_end(a: _Arrays, start: int, end: int) -> int | None:
    """The token after a caption label's colon (see :func:`_caption_label`), or None."""
    for i in range(start, min(end, start + MAX_LABEL_WORDS + 1)):
        if a.text[i] in (":", "!"):
            is_label = i > start and (i == start + 1 or not any(p in _VERB_POS for p in a.pos[start:i]))
            return i + 1 if is_label else None
        if not a.alpha[i]:
            return None
    return None


def _open_after(a: _Arrays, i: int) -> bool:
    """Whether a quotation is still open after token i."""
    if a.in_quote[i]:
        return True
    return a.text[i] in _QUOTE_MARKS and i + 1 < len(a.in_quote) and a.in_quote[i + 1]


def _opens_with_connective(a: _Arrays, start: int, end: int) -> bool:
    i = start + 1 if a.text[start] in _QUOTE_MARKS else start
    if i >= end:
        return False
    first = a.lower[i]
    if first in CONNECTIVES:
        return True
    head = " ".join(a.lower[i : i + 5])
    return any(head.startswith(p + " ") or head.startswith(p + ",") for p in CONNECTIVE_PHRASES)


def _leading_pronoun(a: _Arrays, start: int, end: int) -> str | None:
    """ "person" or "thing" if a third-person pronoun comes before any name or noun subject.

    Such a sentence names its subject only through the sentences before it, so it may
    only follow a summary sentence that supplies the antecedent.
    """
    for i in range(start, end):
        if a.in_quote[i]:
            continue
        low = a.lower[i]
        if a.pos[i] == "PRON":
            if low in PERSON_PRONOUNS:
                return "person"
            if low in THING_PRONOUNS:
                return "thing"
        if a.pos[i] == "PROPN" or (a.pos[i] == "NOUN" and a.dep[i] not in _MINOR_NOUN_DEPS):
            return None
    return None
