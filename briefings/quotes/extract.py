"""Put the passes together: marks, reported speech, speakers, continuation.

Order matters. Quotation marks are found first (they need no parse); cue constructions
come from the parse; an unclosed quotation is trimmed at the first sentence that reads as
narration; then each quotation is matched with the cue that introduces it, reported
clauses that carry a quoted fragment become partial quotes, and quotations with no cue
of their own inherit the speaker whose remarks they continue.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from spacy.tokens import Doc

from ..model import Quote
from .cues import is_strong
from .marks import Marked, find_marked
from .reported import Report, find_reports
from .speakers import UNKNOWN, Cast, QuotedText, Speaker

_FIRST_SECOND = frozenset({"i", "we", "you", "me", "us"})
#: Quotations shorter than this (in words) are names, titles or scare quotes unless a
#: cue introduces them or they sit inside reported speech.
_MIN_STANDALONE_WORDS = 4
#: How far (characters) a cue outside the marks may sit from a quotation it introduces.
_CUE_REACH = 160


@dataclass(slots=True)
class _Item:
    """One quote being assembled: a quotation, a reported clause, or both."""

    start: int
    end: int
    kind: str
    paragraph: int
    report: Report | None = None
    marked: Marked | None = None
    speaker: Speaker | None = None


def extract_quotes(doc: Doc) -> list[Quote]:
    """Every quote in a parsed article, with its speaker resolved within the article."""
    text = doc.text
    if not text.strip():
        return []
    reports = find_reports(doc)
    marked = _trim_unclosed(doc, find_marked(text), reports)
    quoted = QuotedText([m.outer for m in marked])
    reports = [r for r in reports if not quoted.contains(doc[r.cue].idx)]
    cast = Cast(doc, quoted)
    paragraphs = _paragraph_starts(text)
    items = _pair(doc, marked, reports, paragraphs)
    _resolve(doc, items, cast)
    _continue(items, cast, doc)
    return [_quote(doc, it) for it in items]


def _paragraph_starts(text: str) -> list[int]:
    starts = [0]
    i = text.find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = text.find("\n", i + 1)
    return starts


def _paragraph_of(starts: list[int], char: int) -> int:
    return bisect_right(starts, char) - 1


def _trim_unclosed(doc: Doc, marked: list[Marked], reports: list[Report]) -> list[Marked]:
    """Cut a never-closed quotation before the first sentence that is narration again."""
    if not any(m.unclosed for m in marked):
        return marked
    narration = set()
    for r in reports:
        if r.subject is not None and doc[r.subject].lower_ not in _FIRST_SECOND:
            narration.add(doc[r.cue].sent.start_char)
    sent_starts = sorted(narration)
    out = []
    for m in marked:
        if m.unclosed:
            first_sent_end = doc.char_span(m.start, m.start + 1, alignment_mode="expand")
            first_end = first_sent_end.sent.end_char if first_sent_end is not None else m.start
            k = bisect_right(sent_starts, first_end - 1)
            if k < len(sent_starts) and sent_starts[k] < m.end:
                end = sent_starts[k]
                while end > m.start and doc.text[end - 1].isspace():
                    end -= 1
                m = Marked(m.open, None, m.start, end, m.paragraph, unclosed=True,
                           continuation=m.continuation)
        out.append(m)
    return out


def _pair(doc: Doc, marked: list[Marked], reports: list[Report], paragraphs: list[int]) -> list[_Item]:
    """Match quotations with the cues that introduce them; make reported clauses items."""
    items: list[_Item] = []
    absorbed: set[int] = set()
    attributed: dict[int, Report] = {}
    for r in reports:
        if r.start is None:
            continue
        inside = [k for k, m in enumerate(marked) if m.start < r.end and r.start < m.end]
        if not inside:
            if not r.weak:
                items.append(_Item(r.start, r.end, "indirect", _paragraph_of(paragraphs, r.start), report=r))
            continue
        covered = sum(min(marked[k].end, r.end) - max(marked[k].start, r.start) for k in inside)
        within = all(r.start <= marked[k].start and marked[k].end <= r.end for k in inside)
        if within and covered < 0.6 * (r.end - r.start):
            absorbed.update(inside)
            items.append(_Item(r.start, r.end, "partial", _paragraph_of(paragraphs, r.start), report=r))
        else:
            for k in inside:
                attributed.setdefault(k, r)
    for k, m in enumerate(marked):
        if k in absorbed:
            continue
        report = attributed.get(k) or _nearby_cue(doc, m, reports)
        if report is None and len(doc.text[m.start:m.end].split()) < _MIN_STANDALONE_WORDS:
            continue
        items.append(_Item(m.start, m.end, "direct", m.paragraph, report=report, marked=m))
    items.sort(key=lambda it: it.start)
    return items


def _nearby_cue(doc: Doc, m: Marked, reports: list[Report]) -> Report | None:
    """A cue with a subject next to the quotation, in its sentence or the one after it."""
    open_, close = m.outer
    try:
        first = doc.char_span(m.start, m.start + 1, alignment_mode="expand").sent
        last = doc.char_span(max(m.start, m.end - 1), m.end, alignment_mode="expand").sent
    except AttributeError:
        return None
    lo = first.start_char
    hi = last.end_char
    after = last.end
    if after < len(doc) and close >= last.end_char - 2:
        nxt = doc[after].sent
        if len(nxt) <= 12:
            hi = nxt.end_char
    if first.start > 0:
        prev = doc[first.start - 1].sent
        if prev.text.rstrip().endswith(":"):
            lo = prev.start_char
    best, best_d = None, _CUE_REACH + 1
    for r in reports:
        if r.subject is None:
            continue
        cue = doc[r.cue]
        c = cue.idx
        if c < lo or c >= hi or (open_ <= c < close):
            continue
        if not is_strong(cue.lemma_) and not r.according:
            continue
        d = open_ - c if c < open_ else c - close
        if d < best_d:
            best, best_d = r, d
    return best


def _resolve(doc: Doc, items: list[_Item], cast: Cast) -> None:
    for it in items:
        r = it.report
        if r is None or r.subject is None:
            continue
        it.speaker = cast.resolve(doc[r.subject])
        if it.speaker is UNKNOWN:
            it.speaker = None
        else:
            cast.last_speaker = it.speaker


def _continue(items: list[_Item], cast: Cast, doc: Doc) -> None:
    """A quotation with no cue continues the remarks of the speaker next to it."""
    for k, it in enumerate(items):
        if it.speaker is not None:
            continue
        prev = items[k - 1] if k > 0 else None
        nxt = items[k + 1] if k + 1 < len(items) else None
        m = it.marked
        if prev is not None and prev.speaker is not None and (
            (m is not None and m.continuation) or it.paragraph - prev.paragraph <= 1
        ):
            it.speaker = prev.speaker
        elif nxt is not None and nxt.speaker is not None and nxt.paragraph == it.paragraph:
            it.speaker = nxt.speaker
        elif m is not None and m.continued and nxt is not None and nxt.speaker is not None:
            it.speaker = nxt.speaker
        else:
            tok = doc.char_span(it.start, it.start + 1, alignment_mode="expand")
            person = cast.antecedent(tok.start, None) if tok is not None else None
            if person is not None:
                it.speaker = cast._speaker(person, doc[tok.start], named=False)


def _quote(doc: Doc, it: _Item) -> Quote:
    sp = it.speaker or UNKNOWN
    r = it.report
    cue = None
    if r is not None:
        cue = "according to" if r.according else doc[r.cue].text
    return Quote(
        speaker=sp.name,
        text=doc.text[it.start:it.end],
        start=it.start,
        end=it.end,
        kind=it.kind,
        cue=cue,
        speaker_start=sp.start,
        speaker_end=sp.end,
        speaker_kind=sp.kind,
        role=sp.role,
    )
