"""Put the passes together: marks, reported speech, speakers, continuation.

Order matters. Quotation marks are found first (they need no parse); cue constructions
come from the parse; an unclosed quotation is trimmed at the first sentence that reads as
narration; then each quotation is matched with the cue that introduces it, reported
clauses that carry a quoted fragment become partial quotes, and quotations with no cue
of their own inherit the speaker whose remarks they continue.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from spacy.tokens import Doc

from .layout import Layout
from .marks import Marked, find_marked, text_before
from .reported import MISREAD_SUBJECT_DEPS, Report, find_reports
from .sieve import QuoteContext, QuoteItem, opens_sentence, run_pass, transcript_turns
from .speakers import SUBJECT_DEPS, Cast, QuotedText
from .vocab import Vocabulary

#: Quotations shorter than this (in words) are names, titles or scare quotes unless a
#: cue introduces them or they sit inside reported speech.
_MIN_STANDALONE_WORDS = 4
#: How far (characters) a cue outside the marks may sit from a quotation it introduces.
_CUE_REACH = 160
#: A short quotation ("Absolutely," she said) must sit right next to its cue.
_SHORT_CUE_REACH = 20
_FRAGMENT_REACH = 160
#: ``"...?" Michael Every, a strategist at a bank, said.`` may follow as a sentence of its own.
_NEXT_SENTENCE_TOKENS = 30
#: A reported clause mostly made of quoted words is the quotation itself.
_MOSTLY_QUOTED = 0.6


def find_quotes(doc: Doc, vocab: Vocabulary) -> QuoteContext | None:
    """Every quote in a parsed article, with its speaker resolved by the sieve (or None)."""
    text = doc.text
    if not text.strip():
        return None
    layout = Layout(text)
    marked = find_marked(text)
    closed = QuotedText([m.outer for m in marked if not m.unclosed])
    reports = find_reports(doc, text, layout, vocab, closed.contains)
    marked = _trim_unclosed(doc, text, marked, reports, vocab)
    marked = [m for m in marked if layout.is_running(m.start)]
    quoted = QuotedText([m.outer for m in marked])
    reports = [r for r in reports if not quoted.contains(doc[r.cue].idx) and layout.is_running(doc[r.cue].idx)]
    cast = Cast(doc, quoted, [r.subject for r in reports if r.subject is not None], layout.is_running, vocab)
    items = _pair(doc, text, marked, reports, layout, vocab)
    ctx = QuoteContext(doc, text, layout, cast, items)
    run_pass("explicit", ctx)
    # Speech reported inside someone else's report counts when it has a speaker of its
    # own ("he said he heard from supporters who said ..."), not an unknown "they".
    items[:] = [it for it in items if not (it.report and it.report.nested and it.speaker is None)]
    run_pass("context", ctx)
    items[:] = [
        it
        for it in transcript_turns(text, items, cast)
        if not _SHOUTED.match(text[it.start : it.end]) and _has_verb_or_marks(doc, text, it)
    ]
    return ctx


def _trim_unclosed(doc: Doc, text: str, marked: list[Marked], reports: list[Report], vocab: Vocabulary) -> list[Marked]:
    """Cut a never-closed quotation before the first sentence that is narration again."""
    if not any(m.unclosed for m in marked):
        return marked
    narration = set()
    for r in reports:
        if r.subject is not None and doc[r.subject].lower_ not in vocab.first_second_pronouns:
            narration.add(doc[r.cue].sent.start_char)
    sent_starts = sorted(narration)
    out = []
    for m in marked:
        if m.unclosed:
            first = doc.char_span(m.start, m.start + 1, alignment_mode="expand")
            first_end = first.sent.end_char if first is not None else m.start
            k = bisect_right(sent_starts, first_end - 1)
            if k < len(sent_starts) and sent_starts[k] < m.end:
                end = sent_starts[k]
                while end > m.start and text[end - 1].isspace():
                    end -= 1
                m = Marked(m.open, None, m.start, end, m.paragraph, unclosed=True, continuation=m.continuation)
        out.append(m)
    return out


def _pair(
    doc: Doc, text: str, marked: list[Marked], reports: list[Report], layout: Layout, vocab: Vocabulary
) -> list[QuoteItem]:
    """Match quotations with the cues that introduce them; make reported clauses items."""
    items: list[QuoteItem] = []
    absorbed: set[int] = set()
    attributed: dict[int, Report] = {}
    overlapping = _Overlaps(marked)
    cues = _CueIndex(doc, [r for r in reports if not r.object_only])
    first_item: dict[int, QuoteItem] = {}  # id(report) -> the first item made for it
    for r in reports:
        if r.start is None or r.end is None:
            continue
        r_start, r_end = r.start, r.end
        inside = overlapping(r_start, r_end)
        if not inside:
            if (r.objective or not r.weak) and _is_statement(doc, text, r, vocab):
                # A speech act told through the cue's complements starts at the cue itself.
                item = (
                    QuoteItem(doc[r.cue].idx, r_end, "reported", report=r)
                    if r.objective
                    else QuoteItem(r_start, r_end, "indirect", report=r)
                )
                items.append(item)
                first_item.setdefault(id(r), item)
            continue
        covered = sum(min(marked[k].end, r_end) - max(marked[k].start, r_start) for k in inside)
        # A fragment whose closing mark the clause's trimmed edge cut off still counts
        # as inside it.
        within = all(r_start <= marked[k].start and marked[k].end <= r_end + 3 for k in inside)
        if within and covered < _MOSTLY_QUOTED * (r_end - r_start):
            absorbed.update(inside)
            end = max([r_end] + [marked[k].outer[1] for k in inside])
            if r.objective:  # 'called the plan "reckless"': the cue's own words around the fragment
                items.append(QuoteItem(doc[r.cue].idx, end, "reported", report=r))
            else:
                items.append(QuoteItem(r_start, end, "partial", report=r))
            first_item.setdefault(id(r), items[-1])
        else:
            for k in inside:
                attributed.setdefault(k, r)
    for k, m in enumerate(marked):
        if k in absorbed:
            continue
        report = attributed.get(k)
        short = len(text[m.start : m.end].split()) < _MIN_STANDALONE_WORDS
        fragment = _is_fragment(text, m)
        if report is None:
            # "Yes," she said: a short quotation sits right by its cue; a fragment in a
            # sentence of reported speech belongs to that sentence's speaker.
            reach = _SHORT_CUE_REACH if short and not fragment else _FRAGMENT_REACH if fragment else _CUE_REACH
            report = _nearby_cue(doc, m, cues, reach, layout, vocab, fragment)
        if report is None and not fragment:
            report = _speech_tag(doc, text, m, layout)
        if report is None and short:
            continue
        if (
            fragment
            and " " not in text[m.start : m.end].strip()
            and attributed.get(k) is None
            and _governing_cue(doc, m, cues) is None
        ):
            continue  # a single quoted word in passing ('By "honorific" he meant') is a term
        if _SHOUTED.match(text[m.start : m.end]):
            continue  # "ANALYSIS", "KEEPING SCORE": section heads between marks
        if _is_title(text[m.start : m.end]) and attributed.get(k) is None and _governing_cue(doc, m, cues) is None:
            continue  # "Once Upon a Time in Hollywood", "JSON for Modern C++": a name of a work
        if fragment and report is not None and report.start is not None:
            host = first_item.get(id(report))
            if host is not None and host.start < m.start and m.start - host.end < _FRAGMENT_REACH:
                # '..., but he was also "under no illusions" about ...': the fragment
                # continues the clause its speaker's cue reports.
                host.start, host.end = min(host.start, m.start), max(host.end, m.outer[1])
                if host.kind != "reported":
                    host.kind = "partial"
                continue
        kind = "partial" if fragment else "direct"
        items.append(QuoteItem(m.start, m.end, kind, report=report, marked=m))
        if report is not None:
            first_item.setdefault(id(report), items[-1])
    items.sort(key=lambda it: it.start)
    return items


_SHOUTED = re.compile(r"^[^a-z]*[A-Z]{2}[^a-z]*$")
#: Most words a quoted title of a work or event has.
_TITLE_WORDS = 10
_MARKS = "\"'“”‘’()"


def _is_title(quoted: str) -> bool:
    """Title Case between marks with no sentence in it: the name of a book, film, project
    or slogan-like label, which no one is quoted as saying."""
    words = [w.strip(_MARKS) for w in quoted.split()]
    if not 2 <= len(words) <= _TITLE_WORDS or re.search(r"[.!?,;:]['\"”’)]*$", quoted.strip()):
        return False
    long = [w for w in words if len(w) >= 4]
    return len(long) >= 2 and all(w[0].isupper() for w in long)


def _has_verb_or_marks(doc: Doc, text: str, it: QuoteItem) -> bool:
    """Reported speech is a clause: "In its two-page statement" alone says nothing. (What
    a cue reports through its object, "blamed [the province for the delays]", needs none.)"""
    if it.marked is not None or it.kind in {"partial", "reported"}:
        return True
    span = doc.char_span(it.start, it.end, alignment_mode="expand")
    return span is None or any(t.pos_ in {"VERB", "AUX"} for t in span)


def _is_statement(doc: Doc, text: str, r: Report, vocab: Vocabulary) -> bool:
    """Reported questions ("asked if ...", "how she got ...") are not things said; a
    clause that opens with a condition is ("If a stop sign was installed ..., Major would
    never have crashed, according to an expert"): there the word heads an adverbial
    clause of what was said, not the question itself. An if-clause the parser hung on
    the cue itself stays a question ("wondered if the plan would work")."""
    start = r.start or 0
    first = text[start : start + 12].split(maxsplit=1)  # not doc.text: that joins every token
    if not first or first[0].lower() not in vocab.question_words:
        return True
    word = doc.char_span(start, start + 1, alignment_mode="expand")
    return word is not None and word[0].head.dep_ == "advcl" and word[0].head.head.i != r.cue


def _is_fragment(text: str, m: Marked) -> bool:
    """A quotation that starts mid-sentence in lower case is a fragment of someone's words."""
    first = text[m.start : m.start + 1]
    return first.islower()


class _Overlaps:
    """Which quotations overlap a character span, by bisection.

    The quotation scanner yields quotations in text order without overlaps, so the
    ones overlapping a span are a contiguous run; scanning them all for every report
    made long articles quadratic. Should the order ever not hold, it scans.
    """

    def __init__(self, marked: list[Marked]) -> None:
        self.marked = marked
        self.starts = [m.start for m in marked]
        self.ends = [m.end for m in marked]
        self.ordered = all(a <= b for a, b in zip(self.starts, self.starts[1:])) and all(
            a <= b for a, b in zip(self.ends, self.ends[1:])
        )

    def __call__(self, start: int, end: int) -> list[int]:
        if not self.ordered:
            return [k for k, m in enumerate(self.marked) if m.start < end and start < m.end]
        lo = bisect_right(self.ends, start)
        hi = bisect_left(self.starts, end)
        return list(range(lo, max(lo, hi)))


class _CueIndex:
    """An article's reports with their cues' character offsets, built once per article
    so that looking for a cue near a quotation does not rescan every report."""

    def __init__(self, doc: Doc, reports: list[Report]) -> None:
        self.reports = reports
        self.chars = [doc[r.cue].idx for r in reports]
        self.ordered = all(a <= b for a, b in zip(self.chars, self.chars[1:]))
        self.by_cue = {r.cue: r for r in reports if r.subject is not None}

    def between(self, lo: int, hi: int) -> list[Report]:
        """Reports whose cue starts in ``[lo, hi)`` (and, unordered, all of them), in order."""
        if not self.ordered:
            return self.reports
        return self.reports[bisect_left(self.chars, lo) : bisect_left(self.chars, hi)]


def _nearby_cue(
    doc: Doc, m: Marked, cues: _CueIndex, reach: int, layout: Layout, vocab: Vocabulary, fragment: bool = False
) -> Report | None:
    """A cue with a subject next to the quotation: in its sentence, in a short sentence
    right after it in the same paragraph (``"...". She said.``), or in a sentence ending
    with a colon just before it. A cue that reports a clause of its own is not this
    quotation's cue."""
    open_, close = m.outer
    first_tok = doc.char_span(m.start, m.start + 1, alignment_mode="expand")
    last_tok = doc.char_span(max(m.start, m.end - 1), m.end, alignment_mode="expand")
    if first_tok is None or last_tok is None:
        return None
    first, last = first_tok.sent, last_tok.sent
    lo, hi = first.start_char, last.end_char
    para_lo, para_hi = layout.bounds(m.start)
    tag_sentence = None
    if last.end < len(doc) and close >= last.end_char - 2 and opens_sentence(m, first):
        nxt = doc[last.end].sent
        if len(nxt) <= _NEXT_SENTENCE_TOKENS and nxt.end_char <= para_hi + 1:
            hi = nxt.end_char
            tag_sentence = nxt
    # The parser sometimes runs a sentence over a paragraph break; a cue is looked for
    # in the quotation's own paragraph only (or in a line ending with a colon above it).
    lo, hi = max(lo, para_lo), min(hi, para_hi)
    if first.start > 0:
        prev = doc[first.start - 1].sent
        if prev.text.rstrip().endswith(":"):
            lo = prev.start_char
    if fragment:
        governor = _governing_cue(doc, m, cues)
        if governor is not None:
            return governor
    best, best_d = None, reach + 1
    for r in cues.between(lo, hi):
        if r.subject is None:
            continue
        cue = doc[r.cue]
        c = cue.idx
        if c < lo or c >= hi or (open_ <= c < close):
            continue
        if not vocab.is_strong(cue.lemma_) and not r.phrase:
            continue
        same_sentence = first.start_char <= c < last.end_char
        if (
            r.start is not None
            and r.end is not None
            and (r.end <= m.start or r.start >= m.end)
            and not (fragment and same_sentence)
        ):
            continue
        if fragment and not same_sentence:
            continue
        if tag_sentence is not None and c >= tag_sentence.start_char and any(k.dep_ == "dobj" for k in cue.children):
            # "... gap." Trump has also announced a kind of solidarity ...: a sentence of
            # its own, not a speech tag ("..." Michael Every, a strategist, said.)
            continue
        d = open_ - c if c < open_ else c - close
        if d < best_d:
            best, best_d = r, d
    return best


#: How many tokens after a quotation its speech tag may take (a name with a role in apposition).
_TAG_TOKENS = 16
_CLOSING = "\"'\u201d\u2019"
_RELATIVE_TAGS = frozenset({"WDT", "WP", "WP$", "WRB"})
#: After a quotation the parser may also hang the name on an object in apposition.
_INVERTED_SUBJECT_DEPS = MISREAD_SUBJECT_DEPS | {"appos"}
_NOT_TAG_OPENERS = frozenset({"CCONJ", "SCONJ", "ADP", "PART", "PUNCT", "SPACE", "X"})


def _speech_tag(doc: Doc, text: str, m: Marked, layout: Layout) -> Report | None:
    """The tag after a quotation that opens its sentence and ends in a comma, question
    mark or exclamation mark names its speaker whatever the verb: ``"...," Hannity
    started``, ``"...," remembered Roy Verley, a spokesman``, ``"...," the suit reads``
    (a document nobody issued: unattributed, not the last person named). Speech verbs
    are found as cues already; this is the construction itself."""
    if m.close is None or m.continuation or m.unclosed:
        return None
    para_lo, para_hi = layout.bounds(m.open)
    before = text_before(text, para_lo, m)
    if before and before[-1] not in ".!?:":
        return None  # the quotation is inside a sentence of narration
    j = m.outer[1]
    while j < para_hi and text[j] in _CLOSING:
        j += 1
    inner_end = text[max(m.start, m.end - 1) : m.outer[1]]  # "...?" or "...," (marks excluded from the words)
    if text[j : j + 1] == ",":
        j += 1
    elif not any(c in inner_end for c in ",?!"):
        return None
    span = doc.char_span(j, min(para_hi, len(text)), alignment_mode="expand")
    if span is None or not len(span):
        return None
    tag = []
    for t in doc[span.start : span.start + _TAG_TOKENS]:
        if t.is_space or t.text in _CLOSING or (t.is_punct and t.text not in {",", "(", ")", "-"}):
            break
        tag.append(t)
    if not tag or tag[0].pos_ in _NOT_TAG_OPENERS or tag[0].tag_ in _RELATIVE_TAGS:
        return None  # '"...," which votes in June': the narration goes on
    verb = next((t for t in tag if t.pos_ == "VERB"), None)  # not "... is a store"
    if verb is None:
        return None
    lo, hi = tag[0].i, tag[-1].i + 1
    subject = next((c for c in verb.children if c.dep_ in SUBJECT_DEPS and lo <= c.i < hi), None)
    if subject is None and verb.i == lo:
        # ``"...," mused Blaze co-host Stu Burguiere``: the parser took the inverted
        # subject for an object; a name among the verb's nominal dependents is it.
        nominals = [c for c in verb.rights if c.i < hi and c.dep_ in _INVERTED_SUBJECT_DEPS]
        subject = next((c for c in nominals if c.pos_ == "PROPN"), None) or next(
            (c for c in nominals if c.pos_ == "NOUN"), None
        )
    elif subject is None:
        # ``"...," Brent Bozell III, founder of the center, tells ...``: the parser hung
        # the name on the quotation; the phrase before the verb is still its subject.
        subject = next((t for t in doc[lo : verb.i] if not lo <= t.head.i < verb.i), None)
        if subject is None or subject.pos_ not in {"PROPN", "NOUN", "PRON"}:
            return None
    return Report(verb.i, subject.i) if subject is not None else None


def _governing_cue(doc: Doc, m: Marked, cues: _CueIndex) -> Report | None:
    """The cue whose clause contains a quoted fragment ('Rempel called Hussen a "chicken"'),
    weak cue verbs included: the parse says whose words they are."""
    span = doc.char_span(m.start, m.end, alignment_mode="expand")
    if span is None:
        return None
    by_cue = cues.by_cue
    tok = span.root
    for _ in range(6):
        if tok.i in by_cue:
            return by_cue[tok.i]
        if tok.head.i == tok.i:
            break
        tok = tok.head
    return None
