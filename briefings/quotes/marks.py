"""Direct quotations found by their quotation marks, before any parsing is consulted.

This is the one quotation detector of the engine: who-said-what takes its quotations
from here and the summarizer's sentence filters ask it which words are quoted.

News text mixes straight and curly marks, lets a quotation run over several paragraphs
(each continuing paragraph opens with a mark, only the last one closes), and now and
then forgets a closing mark. The scanner works paragraph by paragraph so that a missing
mark can never swallow more than the paragraph it sits in; the extractor later trims
such an unclosed quotation at the first sentence that reads as narration again.

Two-character marks (''...'' and ``...'') are read as double marks.

Single marks (British style: 'We will fight,' he said) count only outside double-marked
quotations and only as a pair at word boundaries: an opening mark after a space and before
a letter, a closing one after a non-space and before a space or punctuation. Apostrophes
inside words ("don't"), elisions before digits ("'90s") and a mark never closed in its
paragraph are not quotations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Double quotation marks in the forms news sites use; single marks are left alone
#: because they double as apostrophes.
_MARK = re.compile(r"[\"\u201c\u201d\u201e\u00ab\u00bb\u201f\u2033]")
_OPENERS = frozenset("\u201c\u201e\u00ab\u201f")
_CLOSERS = frozenset("\u201d\u00bb\u2033")
_BEFORE_OPEN = frozenset(" \t\n([{\u2014\u2013-/:;,")
#: What may stand right before a quotation that opens with a wrongly typed closing mark.
_BRACKETS = frozenset("([{\u2014\u2013")
_AFTER_CLOSE = frozenset(" \t\n.,;:!?)]}\u2014\u2013-'\u2019")
_PARAGRAPH = re.compile(r"[^\n]+")
_TRAILING = " \t,;:\u2014\u2013-"
_LEADING = " \t.,;:\u2014\u2013-\u2026"


@dataclass(frozen=True, slots=True)
class Marked:
    """One quotation between marks, confined to one paragraph.

    ``start``/``end`` bound the quoted words (marks, outer spaces and a trailing comma
    excluded). ``continued`` means the quotation goes on in the next paragraph;
    ``unclosed`` means no closing mark was found and ``end`` is only the end of the
    paragraph (or the next opening mark), to be trimmed against the sentences.
    """

    open: int
    close: int | None
    start: int
    end: int
    paragraph: int
    continued: bool = False
    continuation: bool = False
    unclosed: bool = False

    @property
    def outer(self) -> tuple[int, int]:
        """Span including the marks themselves."""
        return self.open, (self.close + 1 if self.close is not None else self.end)


def _role(text: str, i: int, is_open: bool) -> bool:
    """Whether the mark at ``i`` opens a quotation (straight marks guessed from context)."""
    ch = text[i]
    if ch in _OPENERS:
        return True
    if ch in _CLOSERS:
        # A closing mark typed where an opening one belongs: ' ”This guy is ...', '(”Anxiety ...'
        before = text[i - 1] if i > 0 else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        return not is_open and (before.isspace() or before in _BRACKETS) and after.isalnum()
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    can_open = before in _BEFORE_OPEN and not after.isspace()
    can_close = after in _AFTER_CLOSE or after == '"'
    if can_open and not can_close:
        return True
    if can_close and not can_open:
        return False
    return not is_open


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _LEADING:
        start += 1
    while end > start and (text[end - 1] in _TRAILING or text[end - 1].isspace()):
        end -= 1
    return start, end


def _starts_with_opener(text: str, start: int, end: int) -> bool:
    i = start
    while i < end and text[i].isspace():
        i += 1
    return i < end and text[i] in '"\u201c\u201e\u00ab'


_DIGRAPH = re.compile(r"(?<!['`])(?:''|``)(?!['`])")


def _digraphs(text: str) -> str:
    """The text with each two-character quotation mark (''...'', ``...'', as some archives
    and wire feeds type them) made one straight double mark plus a space, offsets kept:
    an opening pair becomes ' "', a closing pair '" ', so the quoted words stay where they are."""
    if "''" not in text and "``" not in text:
        return text
    chars = list(text)
    for m in _DIGRAPH.finditer(text):
        i = m.start()
        after = text[i + 2] if i + 2 < len(text) else " "
        before = text[i - 1] if i > 0 else " "
        opening = m.group() == "``" or (not after.isspace() and after not in ".,;:!?)" and not before.isalnum())
        chars[i], chars[i + 1] = (" ", '"') if opening else ('"', " ")
    return "".join(chars)


#: Every character a quotation mark is typed with, doubled marks ('' and ``) included.
MARK_CHARS = "\"'\u201d\u2019\u201c\u2018`"


def text_before(text: str, start: int, m: Marked) -> str:
    """The text from ``start`` up to quotation ``m``, trimmed: without the first character
    of an opening '' or `` (read as one mark at its second character, see
    :func:`_digraphs`) or any other mark left before it."""
    return text[start : m.open].rstrip().rstrip(MARK_CHARS).rstrip()


def find_marked(text: str) -> list[Marked]:
    """Every quotation between double marks, one item per paragraph it covers."""
    text = _digraphs(text)
    paragraphs = [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)]
    found: list[Marked] = []
    carried = False
    for p, (pstart, pend) in enumerate(paragraphs):
        opened: int | None = None
        continuation = False
        for m in _MARK.finditer(text, pstart, pend):
            i = m.start()
            if _role(text, i, opened is not None):
                if opened is not None:
                    found.append(_make(text, opened, None, i, p, unclosed=True, continuation=continuation))
                opened = i
                continuation = carried and not found_in(found, p)
            elif opened is not None:
                s, e = _trim(text, opened + 1, i)
                if e > s:
                    found.append(Marked(opened, i, s, e, p, continuation=continuation))
                opened = None
                continuation = False
        carried = False
        if opened is not None:
            nxt = paragraphs[p + 1] if p + 1 < len(paragraphs) else None
            goes_on = nxt is not None and _starts_with_opener(text, *nxt)
            found.append(
                _make(text, opened, None, pend, p, unclosed=not goes_on, continued=goes_on, continuation=continuation)
            )
            carried = goes_on
    found = [q for q in found if q.end > q.start]
    singles = _single_marked(text, paragraphs, found)
    return sorted(found + singles, key=lambda q: q.open) if singles else found


_SINGLE = re.compile("['\u2018\u2019]")
_SINGLE_BEFORE_OPEN = frozenset(' \t([{\u2014\u2013/:;,"\u201c')
_SINGLE_AFTER_CLOSE = frozenset(' \t.,;:!?)]}\u2014\u2013"\u201d')


def _single_marked(text: str, paragraphs: list[tuple[int, int]], doubles: list[Marked]) -> list[Marked]:
    """Quotations between single marks, outside every double-marked one, one paragraph each."""
    taken = sorted(m.outer for m in doubles)
    out: list[Marked] = []
    k = 0
    for p, (pstart, pend) in enumerate(paragraphs):
        opened: int | None = None
        for m in _SINGLE.finditer(text, pstart, pend):
            i = m.start()
            while k < len(taken) and taken[k][1] <= i:
                k += 1
            if k < len(taken) and taken[k][0] <= i:
                continue  # inside a double-marked quotation
            before = text[i - 1] if i > pstart else " "
            after = text[i + 1] if i + 1 < pend else " "
            if opened is None:
                if text[i] != "\u2019" and before in _SINGLE_BEFORE_OPEN and after.isalpha():
                    opened = i
            elif (
                not before.isspace()
                and (after in _SINGLE_AFTER_CLOSE or i + 1 == pend)
                and text[i] != "\u2018"
                and not (
                    before in "sS" and text[i - 2 : i - 1].isalpha() and after == " " and text[i + 2 : i + 3].islower()
                )
            ):
                s, e = _trim(text, opened + 1, i)
                if e > s and " " in text[s:e]:
                    out.append(Marked(opened, i, s, e, p))
                opened = None
    return out


def found_in(found: list[Marked], paragraph: int) -> bool:
    return bool(found) and found[-1].paragraph == paragraph


def _make(
    text: str,
    opened: int,
    close: int | None,
    end: int,
    p: int,
    *,
    unclosed: bool,
    continued: bool = False,
    continuation: bool = False,
) -> Marked:
    s, e = _trim(text, opened + 1, end)
    return Marked(opened, close, s, max(s, e), p, continued=continued, continuation=continuation, unclosed=unclosed)
