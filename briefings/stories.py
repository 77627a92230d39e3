"""The front page: briefs grouped into stories, ranked by how widely they are covered.

A story is what ``briefings.clusters`` found to be one: wire copies and independent
reports of one event. It is shown through its fullest article (the longest body), with
the other outlets listed, and its quotes merged: the same words by the same speaker in
three outlets are one quote with three sources.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from .clusters import DEFAULT_WINDOW, ClusterItem, cluster
from .digest import speaker_key, same_speaker
from .model import Article, Brief, Quote

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class StoryQuote:
    """One thing said, with every article of the story that carries it."""

    speaker: str | None
    speaker_kind: str
    quote: Quote  # as the first article carrying it has it
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class DigestStory:
    """One story of the front page."""

    briefs: tuple[Brief, ...]  # the fullest first, then in the order given
    quotes: tuple[StoryQuote, ...]

    @property
    def lead(self) -> Brief:
        return self.briefs[0]

    @property
    def title(self) -> str | None:
        return next((b.article.title for b in self.briefs if b.article.title), None)

    @property
    def summary(self) -> tuple[str, ...]:
        return self.lead.summary

    @property
    def outlets(self) -> tuple[str, ...]:
        """Distinct outlets, the lead's first."""
        return tuple(dict.fromkeys(outlet(b.article) for b in self.briefs))

    @property
    def also_in(self) -> tuple[Brief, ...]:
        """One brief per other outlet than the lead's."""
        seen = {outlet(self.lead.article)}
        out = []
        for b in self.briefs[1:]:
            o = outlet(b.article)
            if o not in seen:
                seen.add(o)
                out.append(b)
        return tuple(out)

    @property
    def latest(self) -> datetime | None:
        times = [b.article.published for b in self.briefs if b.article.published]
        return max(times, key=_aware) if times else None


def outlet(article: Article) -> str:
    """Who published an article: its source, else its URL's host, else its path."""
    if article.source:
        return article.source
    if article.url:
        host = urlsplit(article.url).hostname or article.url
        return host.removeprefix("www.")
    return article.path or "(unknown)"


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def front_page(
    briefs: list[Brief], *, window: timedelta = DEFAULT_WINDOW, arrivals: list[datetime | None] | None = None
) -> list[DigestStory]:
    """Stories of ``briefs`` ranked by distinct outlets, then recency (then the order given).

    ``arrivals`` (one per brief) stands in for a missing publication time."""
    times = [b.article.published or (arrivals[i] if arrivals else None) for i, b in enumerate(briefs)]
    items = [
        ClusterItem(key=str(i), text=b.article.text, title=b.article.title, source=outlet(b.article), time=times[i])
        for i, b in enumerate(briefs)
    ]
    stories = []
    for found in cluster(items, window):
        members = [int(k) for k in found.keys]
        members.sort()
        fullest = max(members, key=lambda i: (len(briefs[i].article.text), -i))
        order = [fullest] + [i for i in members if i != fullest]
        chosen = tuple(briefs[i] for i in order)
        stories.append(
            (
                min(members),
                DigestStory(chosen, merge_quotes(chosen)),
                max((_aware(t) for i in members if (t := times[i]) is not None), default=None),
            )
        )

    def rank(entry: tuple[int, DigestStory, datetime | None]) -> tuple[int, float, int]:
        first, story, latest = entry
        return (-len(story.outlets), -(latest.timestamp() if latest else float("-inf")), first)

    return [story for _, story, _ in sorted(stories, key=rank)]


def _fold_words(text: str) -> tuple[str, ...]:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return tuple(_WORD.findall(plain))


def _same_words(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The same quote as two outlets carry it: equal, one inside the other (an outlet cut
    it), or nearly all words shared."""
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 5 and " ".join(short) in " ".join(long_):
        return True
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) >= 0.8 and min(len(a), len(b)) >= 5


def merge_quotes(briefs: tuple[Brief, ...]) -> tuple[StoryQuote, ...]:
    """A story's quotes, each once, with the articles that carry it, in first-seen order.

    Two quotes are one when their words agree (see ``_same_words``) and their speakers
    are the same person by the digest's rule, or either is unattributed (then the named
    one is kept)."""
    groups: list[list] = []  # [speaker, kind, quote, words, articles, key]
    for brief in briefs:
        for q in brief.quotes:
            words = _fold_words(q.text)
            key = speaker_key(q.speaker, q.speaker_kind) if q.speaker else None
            for g in groups:
                if not _same_words(g[3], words):
                    continue
                if key is not None and g[5] is not None and not same_speaker(g[5], key, q.speaker_kind, g[1]):
                    continue
                if not any(a is brief.article for a in g[4]):
                    g[4].append(brief.article)
                if g[0] is None and q.speaker:
                    g[0], g[1], g[5] = q.speaker, q.speaker_kind, key
                break
            else:
                groups.append([q.speaker, q.speaker_kind, q, words, [brief.article], key])
    return tuple(StoryQuote(g[0], g[1], g[2], tuple(g[4])) for g in groups)
