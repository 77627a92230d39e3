"""Site furniture removal that remembers where every kept character came from.

Pages and pasted articles carry lines that are not the story: comment prompts,
newsletter boxes, share buttons, cookie notices, photo credits, bylines, timestamps.
They are recognised by general rules (short lines made of such vocabulary, boxes of
links to other stories, table rows, a photo caption glued to its credit, an embedded
social post, an archived page's notice), never by
matching a known article. Text hard-wrapped at a fixed width (a newline every 80
characters inside paragraphs) is rejoined into paragraphs first. Cleaning only keeps spans of the original and joins them with
single separators, so an :class:`OffsetMap` can point any cleaned offset back into the
text as read.
"""

from __future__ import annotations

import re

from briefings.headlines import link_box_labels
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
    | (?:the\ )?(?:story|article|text)\ (?:continues|continued)(?:\ (?:below|after|under))?(?:\ (?:the\ )?(?:advertisement|ad|video|photo|image))?
    | continue\ reading(?:\ (?:below|the\ (?:main\ )?story|the\ article))?
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
    | this\ (?:article|story|post|content|page)\ is\ (?:more|over)\ than\ \w+\ (?:years?|months?|days?)\ old
    )[.!:…]*$""",
    re.VERBOSE,
)

#: Furniture that shows up inside running text (e.g. where paragraphs were joined).
_FURNITURE_INLINE = re.compile(r"\bScroll down for (?:video|more)\b\.?", re.IGNORECASE)

#: A wire-service dateline opening the story: "(CNN)", "LONDON (Reuters) -", "PARIS, May 4
#: (AFP) —", and a place in title case as CNN writes it ("Washington (CNN)", "Kabul,
#: Afghanistan (CNN)"); never an article ("The (CNN) report"). Also a place in capitals
#: and a dash with no wire named ("OTTAWA — ").
_DATELINE = re.compile(
    r"""(?:(?:[A-Z][A-Z .'-]{1,30}|(?!(?:The|A|An|This|That)\ )[A-Z][\w.'-]+(?:,?\ [A-Z][\w.'-]+){0,3})
        (?:,\ [A-Z][a-z]{2,8}\.?\ \d{1,2})?\ )?
        \((?:CNN|Reuters|AP|AFP|UPI|PA|dpa|Xinhua|Bloomberg|The\ [A-Z][\w'&.]*(?:\ [A-Z][\w'&.]*){0,3})\)
        \s*(?:[-–—]+\s*)?(?=[A-Z"“‘'])
    # ...or the place alone in capitals before a dash, as the wires send it when the
    # byline names the agency: "OTTAWA — ", "SINGAPORE -- ", "TROUT BROOK, N.B. — ".
    | [A-Z][A-Z.'-]{2,}(?:\ [A-Z][A-Z.'-]+){0,3}(?:,\ [A-Z][A-Za-z.]{1,12}(?:\ [A-Z][A-Za-z.]{1,12})?)?
        \s*(?:—|–|--)\s*(?=[A-Z"“‘'])""",
    re.VERBOSE,
)

#: An embedded social post (a tweet's text keeps its picture link or ends in its short
#: link): the post, not the story, however long.
_EMBEDDED_POST = re.compile(r"\bpic\.twitter\.com/\w+|\bhttps?://t\.co/\w+\W*$")

#: An archived page's notice that the site is kept as it was ("The website is no longer
#: updated and some links may not work"): the whole short paragraph that holds it goes.
_ARCHIVE_NOTICE = re.compile(
    r"\b(?:the|this|our)\ (?:web\ ?site|site|page|blog)\ (?:is|has\ been)\ no\ longer\ (?:being\ )?(?:updated|maintained)\b",
    re.IGNORECASE | re.VERBOSE,
)
_MAX_NOTICE_WORDS = 40

#: Lines longer than this many words are story text, whatever they contain.
_MAX_FURNITURE_WORDS = 16
_SENTENCE_END = re.compile(r"""[.!?…]["'”’)\]]*$""")


#: A link box or table row longer than this, with sentences inside, is prose after all.
_MAX_BOX_WORDS = 60
_SENTENCE_INSIDE = re.compile(r"[.!?][\"'”’)]*\s+[A-Z]")
#: A table row: cells between pipes or tabs, or a Markdown rule line (``|---|:--|``).
_TABLE_RULE = re.compile(r"[|:+\-\s]{3,}")
#: Words that open a sentence, never a photo credit ("...in 2012.The risk ...").
_NOT_CREDIT = frozenset("The A An And But He She It I In On At As We They This That His Her".split())


def is_furniture(line: str) -> bool:
    """Whether a whole line is site furniture rather than story text."""
    stripped = line.strip()
    if not stripped:
        return False
    if len(stripped.split()) <= _MAX_BOX_WORDS or not _SENTENCE_INSIDE.search(stripped):
        # (A long line of several sentences is story text, whatever opens it.)
        if is_link_box(stripped) or is_table_row(stripped):
            return True
    if _EMBEDDED_POST.search(stripped):
        return True
    if len(stripped.split()) <= _MAX_NOTICE_WORDS and _ARCHIVE_NOTICE.search(stripped):
        return True
    if len(stripped.split()) > _MAX_FURNITURE_WORDS:
        return False
    return bool(_FURNITURE_LINE.match(stripped.lower()))


def is_table_row(line: str) -> bool:
    """Cells between pipes or tabs, or a Markdown rule line (``|---|:--|``): not prose."""
    if line.count("|") >= 2 and (line.startswith("|") or line.count(" | ") >= 2):
        return True
    return line.count("\t") >= 2 or ("|" in line and bool(_TABLE_RULE.fullmatch(line)))


def is_link_box(line: str) -> bool:
    """A box of links to other stories: an upper-case label ("MORE", "RELATED:") and then
    headlines, however many are run together on the line."""
    for label in link_box_labels():
        if line.startswith(label):
            rest = line[len(label) :]
            if rest[:1] == ":" or (rest[:1].isspace() and rest.strip()[:1].isupper()) or not rest.strip():
                return True
    return False


def caption_credits(line: str) -> list[tuple[int, int]]:
    """Spans of photo captions glued to their credit: "... in New York.Reuters".

    Prose always leaves a space after a full stop; capitalised words glued straight
    after one, ending the line or followed by a new sentence, are a picture credit,
    and the sentence they end is its caption (looked for at most a few hundred
    characters back). Both go.
    """
    spans = []
    for m in _GLUED_CAPITAL.finditer(line):
        ends: list[int] = []
        pos = m.start()
        while len(ends) < 4:
            w = _CREDIT_WORD.match(line, pos)
            if not w or w.group() in _NOT_CREDIT or len(w.group()) < 2:
                break
            ends.append(w.end())
            if line[w.end() : w.end() + 1] != " ":
                break
            pos = w.end() + 1
        # The credit ends where the line does or a new sentence starts: the longest such run.
        credit_end = next(
            (e for e in reversed(ends) if not line[e:].strip() or (line[e] == " " and line[e + 1 : e + 2].isupper())),
            -1,
        )
        if credit_end < 0:
            continue
        floor = max(0, m.start() - _CAPTION_REACH)
        begin = max(
            line.rfind(". ", floor, m.start() - 1),
            line.rfind("! ", floor, m.start() - 1),
            line.rfind("? ", floor, m.start() - 1),
        )
        spans.append((begin + 2 if begin >= 0 else (0 if floor == 0 else m.start()), credit_end))
    return spans


_CREDIT_WORD = re.compile(r"[A-Z][\w&'’.-]*(?:/[A-Z][\w&'’.-]*)?")
_CAPTION_REACH = 400
_GLUED_CAPITAL = re.compile(r"(?<=[a-z]{2}[.!?])[A-Z]")


def wrap_width(lines: list[str]) -> int | None:
    """The width text was hard-wrapped at, or None when its lines are natural paragraphs.

    Wrapped text has most lines just under one width (40 to 100 characters), almost none
    above it, and many of them broken mid-sentence; natural paragraphs are lines of very
    different, mostly greater, lengths, each ending a sentence.
    """
    ls = sorted(n for n in (len(line.strip()) for line in lines) if n > 0)
    if len(ls) < _WRAP_MIN_LINES:
        return None
    width = ls[int(0.9 * (len(ls) - 1))]
    if not _WRAP_MIN_WIDTH <= width <= _WRAP_MAX_WIDTH:
        return None
    if sum(n > width + 8 for n in ls) > 0.1 * len(ls):
        return None
    near = [line.strip() for line in lines if _WRAP_NEAR * width <= len(line.strip()) <= width + 8]
    if len(near) < 0.5 * len(ls):
        return None
    open_ended = sum(not _SENTENCE_END.search(line) for line in near)
    return width if open_ended >= _WRAP_OPEN_SHARE * len(near) else None


def _wrapped(length: int, width: int | None) -> bool:
    """Whether a line of this length was broken by the wrap (a short one ends a paragraph)."""
    return width is not None and length >= _WRAP_NEAR * width


def rejoin_wrapped(lines: list[str]) -> list[str]:
    """Lines of hard-wrapped text joined back into paragraphs (others unchanged)."""
    width = wrap_width(lines)
    if width is None:
        return lines
    out: list[str] = []
    joining = False
    for line in lines:
        if joining and out:
            out[-1] += " " + line
        else:
            out.append(line)
        joining = _wrapped(len(line), width)
    return out


#: Hard-wrap detection: at least this many lines, wrapped between these widths.
_WRAP_MIN_LINES = 4
_WRAP_MIN_WIDTH, _WRAP_MAX_WIDTH = 40, 100
#: A line at least this share of the width was wrapped, not ended.
_WRAP_NEAR = 0.7
#: Share of those lines that must break mid-sentence (a wrap lands anywhere; a
#: paragraph of natural length ends a sentence).
_WRAP_OPEN_SHARE = 0.3


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
    junks = sorted([(m.start(), m.end()) for m in _FURNITURE_INLINE.finditer(line)] + caption_credits(line))
    for start, end in junks:
        if start < cursor:
            continue
        _keep_words(builder, line[cursor:start], base + cursor)
        if not _ends_sentence(line, start):
            # Dropped mid-sentence: joining the two halves with a space would let a
            # summary or quote span the gap, and its offsets would then take in the
            # furniture from the original. A line break keeps them apart.
            builder.separate("\n")
        cursor = end
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
    return start + m.end(), line[m.end() :]


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

    Paragraphs become single lines joined by ``\\n``; a line that ends mid-sentence is
    joined to the next with a space, and so is every line of text hard-wrapped at a
    fixed width until the short line that ends its paragraph. Furniture is judged on
    whole paragraphs (a wrapped line can start with "by the ..." and still be story).
    """
    builder = _Builder(text)
    previous_open = False  # the last kept line ended mid-sentence
    blank_run = True
    first = True
    lines = list(_lines(text, start))
    width = wrap_width([line for _, line in lines])
    for group in _paragraphs(lines, width):
        if not group:
            blank_run = True
            continue
        if is_furniture(" ".join(line.strip() for _, line in group)):
            blank_run = True
            continue
        for k, (line_start, line) in enumerate(group):
            lead = line.lstrip()
            joins = k > 0 or (previous_open and not blank_run and lead[:1].islower())
            builder.separate(" " if joins else "\n")
            if first:
                line_start, line = _drop_dateline(line_start, line)
                first = False
            _keep_line(builder, line, line_start)
        previous_open = not _SENTENCE_END.search(group[-1][1].rstrip())
        blank_run = False
    return builder.result()


def _paragraphs(lines: list[tuple[int, str]], width: int | None):
    """Groups of lines that make one paragraph ([] for a blank line).

    Without a wrap width every line is its own group; with one, a wrapped line and the
    lines after it belong together until a short line ends the paragraph.
    """
    group: list[tuple[int, str]] = []
    for offset, line in lines:
        if not line.strip():
            if group:
                yield group
                group = []
            yield []
            continue
        group.append((offset, line))
        if not _wrapped(len(line.strip()), width):
            yield group
            group = []
    if group:
        yield group
