"""The plain data that flows through Briefbot: articles in, briefs out.

Everything here is a frozen dataclass of built-in types so that it pickles cheaply
across the worker pool, serialises to JSON without help, and can be cached by content.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class OffsetMap:
    """Maps offsets in cleaned text back to the text as it was read.

    Cleaning only ever drops or collapses characters, so the map is a list of runs:
    ``(clean_start, original_start)`` pairs, each run copying characters one to one
    until the next run starts. That keeps the map small (a few runs per paragraph)
    while letting every offset shown to a user point into the original text.
    """

    clean_starts: tuple[int, ...] = (0,)
    original_starts: tuple[int, ...] = (0,)

    @classmethod
    def identity(cls) -> "OffsetMap":
        return cls()

    def to_original(self, offset: int) -> int:
        """Offset of the character that cleaned position ``offset`` came from."""
        i = bisect_right(self.clean_starts, offset) - 1
        if i < 0:
            return offset
        return self.original_starts[i] + (offset - self.clean_starts[i])

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span; the end maps through its last character."""
        if end <= start:
            o = self.to_original(start)
            return o, o
        return self.to_original(start), self.to_original(end - 1) + 1


@dataclass(frozen=True)
class Article:
    """One news story, as loaded and cleaned.

    ``text`` is the cleaned body the NLP sees (headline excluded); ``original`` is the
    text as read (a file's content, or the text extracted from a page), and
    ``offsets`` maps positions in ``text`` to positions in ``original``. ``dek`` is the
    standfirst (subheadline) shown under the headline, kept out of ``text``;
    ``language`` is the ISO 639-1 code of the story's language, None when unknown.
    """

    text: str
    original: str
    offsets: OffsetMap = field(default_factory=OffsetMap.identity)
    title: str | None = None
    url: str | None = None
    source: str | None = None
    author: str | None = None
    published: datetime | None = None
    path: str | None = None
    dek: str | None = None
    language: str | None = None

    @property
    def content_key(self) -> str:
        """Cache key: the same story reached twice is briefed once."""
        h = hashlib.sha256()
        h.update((self.title or "").encode())
        h.update(b"\0")
        if self.dek:
            h.update(self.dek.encode())
            h.update(b"\0")
        h.update(self.text.encode())
        return h.hexdigest()


@dataclass(frozen=True)
class Quote:
    """One thing somebody said, with offsets into the article's original text.

    ``kind`` is ``direct`` (between quotation marks), ``partial`` (a quoted fragment
    inside reported speech), ``indirect`` (reported speech, a clause: "said that …") or
    ``reported`` (a speech act told through its verb's complements, the verb included:
    "urged voters to stay home", "called the plan a failure"). ``speaker_kind`` is
    ``person``, ``organization``, ``source`` (an unnamed source such as "officials")
    or ``unknown``. ``speaker`` is ``None`` when no resolver was confident enough to
    name one: an unattributed quote is shown as such, never under a guessed name.
    ``rule`` names the resolver that named the speaker and ``confidence`` (0 to 1) is
    how sure it was.
    """

    speaker: str | None
    text: str
    start: int
    end: int
    kind: str
    cue: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    speaker_kind: str = "person"
    role: str | None = None
    rule: str | None = None
    confidence: float = 0.0


@dataclass(frozen=True)
class Brief:
    """What Briefbot tells a channel about one article."""

    article: Article
    summary: tuple[str, ...]
    quotes: tuple[Quote, ...] = ()
    summary_spans: tuple[tuple[int, int], ...] = ()

    @property
    def speakers(self) -> list[tuple[str | None, list[Quote]]]:
        """Speakers in order of prominence (most quotes first, then first appearance),
        then, as ``(None, quotes)``, the quotes no speaker could be named for: one group
        of their own, always last, never mixed with anybody's."""
        order: dict[str, list[Quote]] = {}
        unattributed: list[Quote] = []
        for q in self.quotes:
            if q.speaker:
                order.setdefault(q.speaker, []).append(q)
            else:
                unattributed.append(q)
        ranked = sorted(enumerate(order.items()), key=lambda t: (-len(t[1][1]), t[0]))
        named: list[tuple[str | None, list[Quote]]] = [item for _, item in ranked]
        return named + [(None, unattributed)] if unattributed else named
