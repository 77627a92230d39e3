"""Reported speech found in the dependency parse around cue verbs.

Constructions covered, each by the shape of the parse rather than by word order:

* ``X said (that) ...`` / ``X told reporters ...``: the cue's clausal complement;
* ``..., X said.`` / ``..., said X.``: the complement precedes the cue, or the parser
  hangs the cue off the reported clause as a parenthetical (``parataxis``);
* ``X ..., adding that ...``: a cue without a subject borrows its governor's subject;
* ``according to X, ...`` / ``as X put it, ...``: the clause the phrase modifies (the
  phrases are patterns of ``lang/<code>/report_patterns.json``);
* ``X urged voters to stay home`` / ``X called the deal a disaster``: the cue's complements,
  in the shapes ``lang/<code>/object_reports.json`` gives per verb.

A :class:`Report` also records cues that have a subject but no clause of their own
(``"...," she said.``): the quotation-mark pass uses them to attribute direct quotes.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from . import patterns
from .cues import cue_positions
from .layout import Layout
from .speakers import SUBJECT_DEPS
from .vocab import Vocabulary

_BORROWING = frozenset({"advcl", "xcomp", "conj", "acl", "pcomp"})
_COMPLEMENTS = frozenset({"ccomp"})
_EDGE_PUNCT = frozenset(",;:-\u2014\u2013\"\u201c\u201d'`")
_MIN_TOKENS = 3


@dataclass(slots=True)
class Report:
    """A cue with its speaker's token and, when it reports a clause, that clause."""

    cue: int
    subject: int | None
    start: int | None = None  # character span of the reported content
    end: int | None = None
    weak: bool = False
    phrase: str = ""  # the report_patterns construction that found it ("according_to")
    nested: bool = False
    orphan: bool = False
    objective: bool = False  # what was said is the cue's complements ("urged X to Y")
    object_only: bool = False  # the verb reports only that way: never a quotation's cue

    @property
    def according(self) -> bool:
        return self.phrase == "according_to"


def find_reports(
    doc: Doc, text: str, layout: Layout, vocab: Vocabulary, quoted: Callable[[int], bool] = lambda char: False
) -> list[Report]:
    """All cue constructions of a document, in text order.

    Reported clauses are clipped to the cue's paragraph (the parser now and then runs
    a sentence over a line break), and a clause reported inside another one ("X said
    the critics are lying when they say ...") belongs to the outer report only.
    """
    reports = [_report(doc[i], quoted, vocab) for i in cue_positions(doc, vocab) if not _negated(doc[i])]
    for phrase in patterns.names(vocab.lang):
        reports.extend(_phrase_reports(doc, vocab, phrase))
    reports.sort(key=lambda r: r.cue)
    for r in reports:
        if r.start is not None and r.end is not None:
            lo, hi = layout.bounds(doc[r.cue].idx)
            r.start, r.end = max(r.start, lo), min(_past_false_break(doc, text, r.end), hi)
            if r.end - r.start < 8:
                r.start = r.end = None
    _split_additions(doc, text, reports)
    _mark_nested(doc, reports)
    return reports


def _negated(cue: Token) -> bool:
    """ "Comey cannot say that ...", "she never said": what follows is not the subject's."""
    return any(c.dep_ == "neg" for c in cue.children)


def _past_false_break(doc: Doc, text: str, end: int) -> int:
    """Where a reported clause really ends when the parser split its sentence after an
    abbreviation ("he's lost 16 lbs. | since he signed up"): a clause that runs to the
    end of its sentence goes on through a next sentence that starts in lower case."""
    span = doc.char_span(max(0, end - 1), end, alignment_mode="expand")
    if span is None:
        return end
    sent = span.sent
    if sent.end >= len(doc) or end < sent[-1].idx - 1:
        return end  # the clause stops inside its sentence, or the text ends
    after = doc[sent.end]
    while after.is_space and after.i + 1 < len(doc) and "\n" not in after.text:
        after = doc[after.i + 1]
    if after.is_space or not after.text[:1].islower() or "\n" in text[end : after.idx]:
        return end
    last = after.sent[-1]
    while last.i > after.i and (last.is_punct or last.is_space):
        last = doc[last.i - 1]
    return last.idx + len(last.text)


def _mark_nested(doc: Doc, reports: list[Report]) -> None:
    """Flag reports whose speaker sits inside another report's clause.

    A span contains the subject's character ``c`` when it starts at or before ``c`` and
    ends after it; among the spans starting at or before ``c`` only the latest-ending
    one other than the report's own matters, so a running top two (by end) over the
    spans sorted by start answers each report with one bisection instead of a scan of
    every span (which made long articles quadratic).
    """
    spans = sorted({(r.start, r.end) for r in reports if r.start is not None and r.end is not None})
    if not spans:
        return
    starts = [s for s, _ in spans]
    latest: list[tuple[tuple[int, int], ...]] = []
    top: tuple[tuple[int, int], ...] = ()
    for span in spans:
        top = tuple(sorted((*top, span), key=lambda t: -t[1])[:2])
        latest.append(top)
    for r in reports:
        if r.subject is None:
            continue
        c = doc[r.subject].idx
        k = bisect_right(starts, c) - 1
        if k < 0:
            continue
        own = (r.start, r.end)
        other = next((span for span in latest[k] if span != own), None)
        if other is not None and c < other[1]:
            r.nested = True


def _split_additions(doc: Doc, text: str, reports: list[Report]) -> None:
    """ "X said A, adding that B": A and B are two quotes, even when the parser hangs the
    "adding" clause inside A. So are "X said A, and Y estimated that B": a report joined
    to the clause by "and", with a speaker of its own, is not part of what X said.

    Such a report cuts every other report's clause that runs over the start of its own
    subtree; the clause ends before the earliest such cut (later cuts fall outside the
    shortened clause), so each report looks up that cut by bisection.
    """
    cuts: list[tuple[int, int]] = []  # (cut offset, index of the report making it)
    for k, inner in enumerate(reports):
        if inner.start is None or inner.subject is None:
            continue
        cue = doc[inner.cue]
        if any(c.i == inner.subject for c in cue.children) and cue.dep_ != "conj":
            continue  # has its own subject and stands alone: not an addition
        cuts.append((cue.left_edge.idx, k))
    if not cuts:
        return
    cuts.sort()
    offsets = [cut for cut, _ in cuts]
    for k, outer in enumerate(reports):
        if outer.start is None or outer.end is None:
            continue
        i = bisect_right(offsets, outer.start)
        while i < len(cuts) and cuts[i][1] == k:
            i += 1  # a report does not cut itself
        if i == len(cuts) or offsets[i] >= outer.end:
            continue
        end = offsets[i]
        while end > outer.start and (text[end - 1].isspace() or text[end - 1] in ",;"):
            end -= 1
        head = text[outer.start : end]
        joined = _TRAILING_CONJUNCTION.search(head)
        if joined:  # "..., and" before the joined report
            end = outer.start + len(head[: joined.start()].rstrip(" ,;"))
        outer.end = end


_TRAILING_CONJUNCTION = re.compile(r"[\s,;]+(?:and|but|while|whereas)$")


def _report(cue: Token, quoted: Callable[[int], bool], vocab: Vocabulary) -> Report:
    lemma = cue.lemma_
    subject = _subject(cue, vocab)
    if lemma not in vocab.speech_verbs:
        return _object_report(cue, subject, vocab)
    if subject is not None and _crosses_paragraph(subject, cue):
        subject = _paragraph_subject(cue)
    orphan = subject is not None and quoted(subject.idx)
    if orphan:
        # A subject inside quotation marks is a parse that lost the real one (a
        # sentence split after "lbs."): keep the clause, let context find the speaker.
        subject = None
    report = Report(cue.i, subject.i if subject is not None else None, weak=lemma in vocab.weak_verbs, orphan=orphan)
    if lemma in vocab.not_reporting_verbs:
        return _with_object(report, cue, subject, vocab)
    if lemma in vocab.finding_verbs and not _issues_findings(subject, vocab):
        return report
    content = _content(cue) or _inverted_complement(cue, vocab)
    if content is None and not orphan:
        tail = _tail_attribution(cue)
        if tail is not None:
            content, tail_subject = tail
            if subject is None and tail_subject is not None:
                subject = tail_subject
                report.subject = subject.i
    if content is None:
        return _with_object(report, cue, subject, vocab)
    if subject is not None or orphan:
        report.start, report.end = content
    return report


def _object_report(cue: Token, subject: Token | None, vocab: Vocabulary) -> Report:
    """A verb that reports only through its complements ("blamed the province for the delays")."""
    report = Report(cue.i, subject.i if subject is not None else None, object_only=True)
    return _with_object(report, cue, subject, vocab)


def _with_object(report: Report, cue: Token, subject: Token | None, vocab: Vocabulary) -> Report:
    content = _object_content(cue, subject, vocab)
    if content is not None:
        report.start, report.end = content
        report.objective = True
    return report


def _object_content(cue: Token, subject: Token | None, vocab: Vocabulary) -> tuple[int, int] | None:
    """What an active cue's complements say: "called [the deal a disaster]", "urged
    [voters to stay home]", "blamed [the province for the delays]".

    The shapes per verb come from the language's ``object_reports.json``; the first
    shape whose children are all there gives the span from the first to the last.
    A passive cue ("was accused of") names the one spoken about, not the speaker; a cue
    with a modal ("the city would ask the government to pay") is a plan or a
    possibility, not something said.
    """
    if subject is None or subject.dep_ != "nsubj" or any(c.dep_ == "auxpass" for c in cue.children):
        return None
    if any(c.dep_ == "aux" and c.tag_ == "MD" for c in cue.children):
        return None
    rights = list(cue.rights)
    for shape in vocab.object_shapes.get(cue.lemma_, ()):
        found: list[Token] = []
        for need in shape:
            dep, _, allowed = need.partition(":")
            words = allowed.split("|") if allowed else None
            tok = next(
                (c for c in rights if c.dep_ == dep and (words is None or c.lower_ in words) and c not in found), None
            )
            if tok is None:
                break
            found.append(tok)
        else:
            lo = min(t.left_edge.i for t in found)
            hi = max(t.right_edge.i for t in found)
            return _span(cue.doc, lo, hi, min_tokens=vocab.object_min_tokens)
    return None


_NP_TAGS = frozenset({"PROPN", "NOUN", "DET", "ADJ", "PUNCT", "NUM", "PART"})


def _crosses_paragraph(a: Token, b: Token) -> bool:
    lo, hi = min(a.i, b.i), max(a.i, b.i)
    return any("\n" in t.text_with_ws for t in a.doc[lo:hi])


def _paragraph_subject(cue: Token) -> Token | None:
    """The parser ran a heading into the sentence and took a word of it for the subject:
    the noun that opens the cue's own paragraph is the one speaking."""
    doc = cue.doc
    k = cue.i - 1
    while k >= 0 and "\n" not in doc[k].text_with_ws:
        k -= 1
    for tok in doc[k + 1 : cue.i]:
        if tok.pos_ in {"VERB", "AUX"}:
            break
        if tok.pos_ in {"NOUN", "PROPN", "PRON"} and (
            tok.i + 1 == cue.i or doc[tok.i + 1].pos_ not in {"NOUN", "PROPN"}
        ):
            return tok
    return None


def _tail_attribution(cue: Token) -> tuple[tuple[int, int], Token | None] | None:
    """ "..., argued Palvetzian." / "..., Smith said." when the parse lost the link.

    The sentence ends with the cue and a short noun phrase (or begins the attribution
    after a comma); everything before that comma is what was said.
    """
    sent = cue.sent
    after = [t for t in sent[cue.i - sent.start + 1 :] if not t.is_space]
    if len(after) > 7 or any(t.pos_ not in _NP_TAGS for t in after):
        return None
    if any(t.text == ":" or t.is_left_punct for t in after):
        return None  # "In its statement, X said: \"...\"": the cue opens what follows
    k = cue.i - 1
    while k > sent.start and cue.i - k <= 6 and cue.doc[k].text != "," and cue.doc[k].pos_ in _NP_TAGS:
        k -= 1
    if k <= sent.start or cue.doc[k].text != ",":
        return None
    speaker = next((t for t in reversed(after) if t.pos_ in {"PROPN", "NOUN"}), None)
    if speaker is None:
        speaker = next((t for t in cue.doc[k + 1 : cue.i] if t.pos_ in {"PROPN", "NOUN", "PRON"}), None)
    span = _span(cue.doc, sent.start, k - 1)
    if span is None:
        return None
    return span, speaker


def _issues_findings(subject: Token | None, vocab: Vocabulary) -> bool:
    """Studies, polls and the people and bodies who run them report findings."""
    return subject is not None and (subject.lemma_.lower() in vocab.finding_subjects or subject.ent_type_ == "ORG")


def _subject(cue: Token, vocab: Vocabulary, depth: int = 0) -> Token | None:
    for child in reversed(list(cue.lefts)):  # the nearest: a heading may add a stray one
        if child.dep_ in SUBJECT_DEPS:
            agent = _agent(cue) if child.dep_ == "nsubjpass" and depth == 0 else None
            return agent if agent is not None else child
    for child in cue.rights:
        if child.dep_ in SUBJECT_DEPS:
            return child
    inverted = _inverted_subject(cue, vocab)
    if inverted is not None:
        return inverted
    stranded = _stranded_subject(cue) if depth == 0 else None
    if stranded is not None:
        return stranded
    if depth < 2 and cue.dep_ in _BORROWING and cue.head.i != cue.i:
        head = cue.head
        # "X said the team played well, adding ...": the parser may hang "adding" on
        # the reported clause; the one adding is whoever speaks, not the team. (Not
        # when that clause is itself speech: in "... Lewandowski added, saying ...",
        # Lewandowski is saying.)
        if head.lemma_ not in vocab.speech_verbs:
            head = _governing_clause(head, vocab)
        if head.pos_ == "ADP" and head.head.i != head.i:
            head = head.head  # "X deflected questions before saying, ...": the one who said
        if head.pos_ in {"VERB", "AUX"}:
            return _subject(head, vocab, depth + 1)
    return None


def _governing_clause(head: Token, vocab: Vocabulary) -> Token:
    """The clause a participle after a reported clause belongs to: the speech verb over
    it ("X said the team played well, adding"), or the verb whose object the clause
    spells out ("X dismissed accusations that Y is violating the law -- saying ...")."""
    if head.dep_ == "ccomp" and head.head.lemma_ in vocab.speech_verbs:
        return head.head
    noun = head.head
    if (
        head.dep_ == "acl"
        and any(c.dep_ == "mark" for c in head.children)
        and noun.pos_ == "NOUN"
        and noun.head.pos_ == "VERB"
        and noun.head.i != noun.i
    ):
        return noun.head
    return head


#: Dependencies the parser gives a name it hung on the clause before the cue's.
_STRANDED_DEPS = frozenset({"appos", "dep", "npadvmod"})
#: How many tokens before the cue's comma the name and its apposition may span.
_STRANDED_REACH = 14


def _stranded_subject(cue: Token) -> Token | None:
    """ "It was no accident -- Brendan Buck, a spokesman for Ryan, told POLITICO that
    ...": a person's name (with its apposition) ending right before ", told" is who
    told, even when the parser hung it on the clause before and left the cue without a
    subject (it would borrow that clause's "it")."""
    doc = cue.doc
    if cue.i < 2 or doc[cue.i - 1].text != ",":
        return None
    for k in range(cue.i - 2, max(-1, cue.i - 2 - _STRANDED_REACH), -1):
        tok = doc[k]
        if tok.ent_type_ == "PERSON" and tok.dep_ in _STRANDED_DEPS and tok.right_edge.i in (cue.i - 2, cue.i - 1):
            return tok
    return None


def _agent(cue: Token) -> Token | None:
    """ "Rubio was asked by moderator Gerard Baker whether ...": a passive cue's speaker is
    the one it is done by, not its subject (who is asked, or told). Only the cue's own
    agent: in "X was joined on stage by Y and joked", X still jokes."""
    agent = next((c for c in cue.children if c.dep_ == "agent"), None)
    return next((c for c in agent.children if c.dep_ == "pobj"), None) if agent is not None else None


#: Dependencies the parser gives an inverted subject it did not recognise as one.
MISREAD_SUBJECT_DEPS = frozenset({"dobj", "attr", "oprd", "dep", "npadvmod"})
_INVERSION_REACH = 4


def _inverted_subject(cue: Token, vocab: Vocabulary) -> Token | None:
    """ "..., argued Palvetzian.": after a comma, a name right behind a cue that takes no
    object and ending the clause is who spoke, even when the parser took it for an
    object and would otherwise borrow the subject of the clause reported ("That's not
    just ..."). After "told" or "telling" the name is whom they spoke to."""
    doc = cue.doc
    if cue.i == 0 or doc[cue.i - 1].text != "," or cue.lemma_ not in vocab.objectless_verbs:
        return None
    for child in cue.rights:
        if child.i - cue.i > _INVERSION_REACH:
            break
        if child.dep_ in MISREAD_SUBJECT_DEPS and child.pos_ == "PROPN":
            after = child.right_edge.i + 1
            if after >= len(doc) or doc[after].is_punct or doc[after].is_space:
                return child
    return None


def _content(cue: Token) -> tuple[int, int] | None:
    """Character span of the clause a cue reports, if any. A complement too short to be
    a statement (a dateline the parser took for one, "OTTAWA — X says ...") or in
    another paragraph (a heading run into the sentence) gives way to the next one."""
    for child in cue.children:
        if child.dep_ in _COMPLEMENTS and not _crosses_paragraph(child, cue):
            lo = child.left_edge.i
            if _answered(cue, lo) or _closed_by_colon(child, cue):
                continue
            if child.i > cue.i and not any(c.dep_ in SUBJECT_DEPS for c in child.children):
                # "said smaller brewers, who ..., are likely to suffer": the parser made the
                # clause's subject the cue's object; the clause starts there.
                obj = next((c for c in cue.rights if c.dep_ == "dobj" and c.i < child.i), None)
                if obj is not None:
                    lo = obj.left_edge.i
            if child.i > cue.i:
                # "said when X happened, he ...": the parser often hangs the adverbial
                # clause on the cue, but it belongs to what was said.
                for other in cue.rights:
                    if cue.i < other.i < lo and other.dep_ in {"advcl", "mark"}:
                        lo = other.left_edge.i
                        break
            span = _span(cue.doc, lo, child.right_edge.i, exclude=cue)
            if span is not None:
                return span
    if cue.dep_ == "parataxis" and cue.head.pos_ in {"VERB", "AUX"}:
        head = cue.head
        lo, hi = head.left_edge.i, head.right_edge.i
        clo, chi = cue.left_edge.i, cue.right_edge.i
        if clo > head.i:
            return _span(cue.doc, lo, clo - 1)
        if lo < clo and chi < head.i:
            # "The plan, Lopez said, would cost nothing": the cue sits inside the clause,
            # whose subject comes before it (the wording drops the aside).
            return _span(cue.doc, lo, hi)
        if chi < head.i:
            return _span(cue.doc, chi + 1, hi)
    return None


def _inverted_complement(cue: Token, vocab: Vocabulary) -> tuple[int, int] | None:
    """ "Chapman admits in this instance, there were fatalities": the parser took the
    statement for the main clause and the cue's clause, which opens the sentence and ends
    at a comma, for its complement. What was said is the main clause after the comma.

    Only a cue with a subject and nothing said of its own (no clause, and no object but
    whom it was told to: "Trump told CNN, his policy would be ..."; "Lynch announced the
    lawsuit, ..." is narration), in a statement (not "Would you say, ...?") whose main
    verb does not report a clause itself ("The documents indicate, he said, that ...")."""
    head, doc = cue.head, cue.doc
    comma = cue.right_edge.i + 1
    if (
        cue.dep_ != "ccomp"
        or head.dep_ != "ROOT"
        or cue.left_edge.i != head.sent.start
        or not comma < head.i
        or doc[comma].text != ","
        or not any(c.dep_ in SUBJECT_DEPS for c in cue.children)
        or any(_own_content(c) for c in cue.children)
        or (head.lemma_ in vocab.speech_verbs and any(c.dep_ in _COMPLEMENTS for c in head.children))
        or "?" in head.sent.text
    ):
        return None
    return _span(doc, comma + 1, head.right_edge.i)


def _own_content(child: Token) -> bool:
    """A clause or an object of the cue's own; an addressee ("told CNN", "told him") is not."""
    if child.dep_ in ("dobj", "dative"):
        return child.pos_ not in ("PROPN", "PRON")
    return child.dep_ in ("ccomp", "xcomp")


def _answered(cue: Token, lo: int) -> bool:
    """ "Said no when reporters asked if ...": the interjection is what was said, and the
    clause run on after it without a pause is when, not what ("said no, the plan is
    dead" reports the clause after the comma)."""
    answer = next((c for c in cue.children if c.dep_ == "intj" and cue.i < c.i < lo), None)
    return answer is not None and not any(t.is_punct for t in cue.doc[answer.i + 1 : lo])


def _closed_by_colon(child: Token, cue: Token) -> bool:
    """ "X announced a policy: party leader Y promised ...": a clause before the cue that
    a colon or semicolon closes is the narration the cue's sentence explains, not what was
    said (that comes before a comma: "The plan is dead, Lopez said")."""
    if child.i > cue.i:
        return False
    doc = cue.doc
    return any(t.text in (":", ";") for t in doc[child.right_edge.i : cue.i])


def _span(
    doc: Doc, lo: int, hi: int, exclude: Token | None = None, min_tokens: int = _MIN_TOKENS
) -> tuple[int, int] | None:
    """Trimmed character span of tokens lo..hi; None when too short to be a statement."""
    if exclude is not None and lo <= exclude.i <= hi:
        # The complement's subtree cannot contain its governor; a span that seems to is
        # a parse that wrapped around, so keep only the side after the cue.
        lo = exclude.i + 1
    while lo <= hi and (doc[lo].is_punct or doc[lo].text in _EDGE_PUNCT or doc[lo].is_space):
        lo += 1
    while hi >= lo and (doc[hi].is_punct or doc[hi].is_space):
        hi -= 1
    if hi - lo + 1 < min_tokens:
        return None
    return doc[lo].idx, doc[hi].idx + len(doc[hi].text)


def _phrase_reports(doc: Doc, vocab: Vocabulary, phrase: str) -> list[Report]:
    """``according to X, ...`` / ``as X put it, ...``: X is the speaker of the clause the
    phrase modifies (pattern ``phrase`` of the language's ``report_patterns.json``)."""
    found = []
    for cue_i, source_i in patterns.matches(doc, vocab.lang, phrase):
        tok, source = doc[cue_i], doc[source_i]
        head = tok.head
        lo, hi = head.left_edge.i, head.right_edge.i
        alo, ahi = tok.left_edge.i, max(tok.right_edge.i, source.right_edge.i)
        if alo <= lo + 1:
            # Fronted: what was said follows the phrase's comma (the parser may have
            # taken the clause's subject into the phrase: "... numbers from X, the rate is").
            comma = next((t.i for t in doc[source.i : ahi + 1] if t.text == ","), None)
            content = _span(doc, (comma if comma is not None else ahi) + 1, hi)
        elif all(t.is_punct or t.is_space for t in doc[ahi + 1 : hi + 1]):
            content = _span(doc, lo, alo - 1)  # trailing: "..., according to X."
        else:
            content = _span(doc, lo, hi)  # inside: "X, according to Y, rebuffed ..."
        if head.pos_ not in {"VERB", "AUX"} or content is None:
            # The parse lost the clause: what follows the phrase's comma is what was said.
            sent = tok.sent
            comma = next((t.i for t in doc[source.i : sent.end] if t.text == ","), None)
            content = _span(doc, comma + 1, sent.end - 1) if comma is not None else None
        report = Report(tok.i, source.i, phrase=phrase)
        if content is not None:
            report.start, report.end = content
        found.append(report)
    return found
