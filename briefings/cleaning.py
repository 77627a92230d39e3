"""Site furniture removal that remembers where every kept character came from.

Pages and pasted articles carry lines that are not the story: comment prompts,
newsletter boxes, share buttons, cookie notices, photo credits, bylines, timestamps.
They are recognised by general rules (short lines made of such vocabulary), never by
matching a known article. Cleaning only keeps spans of the original and joins them with
single separators, so an :class:`OffsetMap` can point any cleaned offset back into the
text as read.
"""

from __future__ import annotations

import re

from briefings.model import OffsetMap

_WORDS = re.compile(r"\S+(?: \S+)*")

#: Short lines that are whole pieces of furniture (matched on the lower-cased line).
_FURNITURE_LINE = re.compile(
    r"""^(?:
      comments?\ (?:are|is)\ (?:closed|disabled|off)
    | \d+\ comments?
    | (?:leave|post|add|write)\ an?\ (?:comment|reply)
    | (?:view|show|read|see|load)\ (?:all\ )?(?:\d+\ )?comments?
    | join\ the\ (?:conversation|discussion)
    | (?:subscribe|sign\ up|signup|register)\b.{0,60}
    | .{0,40}\bnewsletters?\b.{0,40}
    | (?:share|tweet|email|e-mail|print|pin|save)(?:\ (?:this|the))?(?:\ (?:article|story|page|post|link))?
          (?:\ (?:on|via|to)\ \w+)?
    | (?:share\ (?:on|via)\ )?(?:facebook|twitter|x|linkedin|whatsapp|reddit|pinterest|telegram|email)
          (?:\s*[|/·•,]\s*(?:facebook|twitter|x|linkedin|whatsapp|reddit|pinterest|telegram|email))*
    | (?:follow|like|find)\ us\b.{0,60}
    | .{0,80}\bcookies?\b.{0,80}\b(?:use|uses|using|accept|consent|policy|settings|preferences|browser|browsing|experience)\b.{0,80}
    | .{0,80}\b(?:use|uses|using|accept|consent\ to)\b.{0,80}\bcookies?\b.{0,80}
    | scroll\ down\ for\ (?:video|more)
    | advertisement | sponsored(?:\ content)? | skip\ to\ (?:main\ )?content
    | (?:read|see)\ (?:more|also)\b.{0,80} | related(?:\ (?:articles|stories|coverage))?:?.{0,80}
    | click\ here\b.{0,80}
    | (?:photo|image|picture|video|graphic|illustration|photograph)s?\ ?(?:credit|courtesy)?\ ?(?::|by\ ).{0,80}
    | (?:credit|source|courtesy)\ ?:.{0,80}
    | .{0,60}\((?:ap|afp|reuters|getty\ images|epa|pa|ap\ photo)[^)]*\)
    | (?:ap|afp|reuters|getty\ images|epa|pa\ media|shutterstock)(?:\s*/\s*[\w .]+)?
    | by\ [a-z][\w.'’-]*(?:\ [a-z][\w.'’-]*){0,3}(?:\ (?:and|&)\ [a-z][\w.'’-]*(?:\ [a-z][\w.'’-]*){0,3})?
          (?:\s*[,|-]\s*.{0,60})?
    | (?:published|updated|posted|last\ updated|first\ published)\b.{0,80}
    | (?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\ .{0,40}\d{4}.{0,30}
    | (?:\d{1,2}\ )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\ \d{1,2}(?:,\ \d{4})?
          (?:\ (?:at\ )?\d{1,2}[:.]\d{2}\s*(?:am|pm)?(?:\ [a-z]{2,4})?)?
    | \d{1,2}[:.]\d{2}\s*(?:am|pm)?(?:\ [a-z]{2,4})?(?:,?\ .{0,30}\d{4})?
    | \d{4}-\d{2}-\d{2}(?:[ t]\d{2}:\d{2}.*)?
    | (?:all\ rights\ reserved|copyright|©).{0,80}
    | tags?:.{0,120}
    )[.!:…]*$""",
    re.VERBOSE,
)

#: Furniture that shows up inside running text (e.g. where paragraphs were joined).
_FURNITURE_INLINE = re.compile(r"\bScroll down for (?:video|more)\b\.?", re.IGNORECASE)

#: A wire-service dateline opening the story: "(CNN)", "LONDON (Reuters) -", "PARIS, May 4 (AFP) —".
_DATELINE = re.compile(
    r"""(?:[A-Z][A-Z .'-]{1,30}(?:,\ [A-Z][a-z]{2,8}\.?\ \d{1,2})?\ )?
        \((?:CNN|Reuters|AP|AFP|UPI|PA|dpa|Xinhua|Bloomberg|The\ [A-Z][\w'&.]*(?:\ [A-Z][\w'&.]*){0,3})\)
        \s*(?:[-–—]+\s*)?(?=[A-Z"“‘'])""",
    re.VERBOSE,
)

#: Lines longer than this many words are story text, whatever they contain.
_MAX_FURNITURE_WORDS = 16
_SENTENCE_END = re.compile(r"""[.!?…]["'”’)\]]*$""")


def is_furniture(line: str) -> bool:
    """Whether a whole line is site furniture rather than story text."""
    stripped = line.strip()
    if not stripped:
        return False
    if len(stripped.split()) > _MAX_FURNITURE_WORDS:
        return False
    return bool(_FURNITURE_LINE.match(stripped.lower()))


class _Builder:
    """Accumulates kept spans of the original and the runs of the offset map."""

    def __init__(self, original: str) -> None:
        self.original = original
        self.parts: list[str] = []
        self.clean_starts: list[int] = []
        self.original_starts: list[int] = []
        self.length = 0
        self.pending: str = ""

    def separate(self, sep: str) -> None:
        """Ask for a separator before the next kept span (a newline beats a space)."""
        if self.length and (sep == "\n" or not self.pending):
            self.pending = sep

    def keep(self, start: int, end: int) -> None:
        if end <= start:
            return
        if self.pending:
            self.parts.append(self.pending)
            self.length += len(self.pending)
            self.pending = ""
        self.clean_starts.append(self.length)
        self.original_starts.append(start)
        self.parts.append(self.original[start:end])
        self.length += end - start

    def result(self) -> tuple[str, OffsetMap]:
        if not self.clean_starts:
            return "", OffsetMap()
        return "".join(self.parts), OffsetMap(tuple(self.clean_starts), tuple(self.original_starts))


def _keep_line(builder: _Builder, line: str, base: int) -> None:
    """Keep a line's words, collapsing whitespace and dropping inline furniture."""
    cursor = 0
    for junk in _FURNITURE_INLINE.finditer(line):
        _keep_words(builder, line[cursor : junk.start()], base + cursor)
        if not _ends_sentence(line, junk.start()):
            # Dropped mid-sentence: joining the two halves with a space would let a
            # summary or quote span the gap, and its offsets would then take in the
            # furniture from the original. A line break keeps them apart.
            builder.separate("\n")
        cursor = junk.end()
    _keep_words(builder, line[cursor:], base + cursor)


def _ends_sentence(line: str, end: int) -> bool:
    """Whether ``line[:end]`` ends a sentence, looking only at its last few characters
    (the whole prefix, once per piece of furniture, is quadratic on a huge line)."""
    while end > 0 and line[end - 1].isspace():
        end -= 1
    return bool(_SENTENCE_END.search(line, max(0, end - 32), end))


def _keep_words(builder: _Builder, segment: str, base: int) -> None:
    for run in _WORDS.finditer(segment):
        builder.separate(" ")
        builder.keep(base + run.start(), base + run.end())


def _drop_dateline(start: int, line: str) -> tuple[int, str]:
    """The story's first line without its wire-service dateline, which is not prose."""
    indent = len(line) - len(line.lstrip())
    m = _DATELINE.match(line, indent)
    if not m:
        return start, line
    return start + m.end(), line[m.end():]


def _lines(text: str, start: int):
    """Yield ``(offset, line)`` for each line of ``text[start:]``."""
    pos = start
    while pos <= len(text):
        end = text.find("\n", pos)
        if end < 0:
            end = len(text)
        yield pos, text[pos:end]
        pos = end + 1


def clean(text: str, start: int = 0) -> tuple[str, OffsetMap]:
    """Return the story text of ``text[start:]`` and a map back into ``text``.

    Paragraphs become single lines joined by ``\\n``; a hard-wrapped line that ends
    mid-sentence is joined to the next with a space.
    """
    builder = _Builder(text)
    previous_open = False  # the last kept line ended mid-sentence
    blank_run = True
    first = True
    for line_start, line in _lines(text, start):
        if not line.strip():
            blank_run = True
            continue
        if is_furniture(line):
            blank_run = True
            continue
        lead = line.lstrip()
        joins = previous_open and not blank_run and lead[:1].islower()
        builder.separate(" " if joins else "\n")
        if first:
            line_start, line = _drop_dateline(line_start, line)
            first = False
        _keep_line(builder, line, line_start)
        previous_open = not _SENTENCE_END.search(line.rstrip())
        blank_run = False
    return builder.result()
