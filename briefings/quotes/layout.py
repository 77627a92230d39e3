"""Paragraphs of an article body, and which of them are running text.

Quotes never cross a paragraph boundary in the parse's favour (the parser sometimes
joins a caption to the next paragraph), and lines such as "READ MORE: ...", "WATCH: ..."
or photo credits are headings rather than prose: their marks are not quotations and
their names are not antecedents for the next "he said".
"""

from __future__ import annotations

import re
from bisect import bisect_right

#: A line without a final stop and with fewer words than this is a heading, link or caption.
HEADLINE_WORDS = 25
_LABEL = re.compile(
    r"^\s*(?:WATCH|READ MORE|READ|RELATED|MORE|LISTEN|VIDEO|PHOTOS?|SEE ALSO|ALSO READ|"
    r"RECOMMENDED|SUBSCRIBE|SIGN UP|CLICK HERE|ADVERTISEMENT)\b[^:\n]{0,20}:"
)
#: An embedded social post: a picture link, a t.co link, a "— Name (@handle) May 1, 2019"
#: signature, or a line that is nothing but a link. A URL inside a sentence is prose.
_EMBED = re.compile(r"pic\.twitter\.com/|https?://t\.co/|\(@\w+\)\s+\w+\.? \d{1,2},? \d{4}|^\s*\S*https?://\S+\s*$")
_SENTENCE_END = frozenset(".!?\"\u201d\u2019')\u2026:")


class Layout:
    """Paragraph boundaries (one per line) with a running-text flag and ordinal each."""

    def __init__(self, text: str) -> None:
        starts, ends = [], []
        pos = 0
        for line in text.split("\n"):
            starts.append(pos)
            ends.append(pos + len(line))
            pos += len(line) + 1
        self.starts = starts
        self.ends = ends
        self.running = [self._is_running(text[s:e]) for s, e in zip(starts, ends)]
        rank, ranks = -1, []
        for flag in self.running:
            rank += flag
            ranks.append(max(rank, 0))
        self.ranks = ranks

    @staticmethod
    def _is_running(line: str) -> bool:
        line = line.rstrip()
        if _LABEL.match(line):
            return False  # "WATCH: ...", "READ MORE: ...", "RELATED: ...": links, not prose
        if _EMBED.search(line):
            return False  # an embedded post: "... pic.twitter.com/x — Name (@handle) May 1, 2019"
        return bool(line) and (line[-1] in _SENTENCE_END or line.count(" ") >= HEADLINE_WORDS)

    def index(self, char: int) -> int:
        return bisect_right(self.starts, char) - 1

    def bounds(self, char: int) -> tuple[int, int]:
        k = self.index(char)
        return self.starts[k], self.ends[k]

    def is_running(self, char: int) -> bool:
        return self.running[self.index(char)]

    def rank(self, char: int) -> int:
        """Ordinal of the paragraph among running-text paragraphs (headings skipped)."""
        return self.ranks[self.index(char)]
