"""A channel's digest: every story its feeds brought since the last digest, briefed.

Stories are briefed when the poller first sees them (so a digest is quick and each
story is briefed once for every channel); a story whose page could not be read then
is tried once more here, and otherwise listed with its title and link.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.briefs import DEFAULT_SENTENCES, BriefCache
from bot.core.interface import Card, Reply
from bot.core.sources import SourceError, Sources
from bot.core.views import brief_card, quote_view, speaker_view
from bot.storage.codec import brief_from_json
from bot.storage.db import Store
from bot.storage.models import StoredEntry
from briefings.digest import merge_speakers
from briefings.model import Brief

log = logging.getLogger(__name__)

#: Stories shown in one digest; the rest are counted in the heading.
MAX_STORIES = 15


class DigestBuilder:
    def __init__(self, store: Store, cache: BriefCache, sources: Sources) -> None:
        self.store = store
        self.cache = cache
        self.sources = sources

    async def build(self, channel: str, since: datetime | None, until: datetime,
                    heading: str) -> tuple[Reply, int]:
        """The digest reply and how many stories it covers."""
        entries = await self.store.run(self.store.channel_entries, channel, since, until)
        entries = _unique(entries)
        if not entries:
            return Reply(text=f"{heading}: nothing new in this channel's feeds since the last digest."), 0
        shown = entries[:MAX_STORIES]
        cached = await self.store.run(self.store.cached_briefs,
                                      [e.content_key for e in shown if e.content_key], DEFAULT_SENTENCES)
        cards: list[Card] = []
        briefs: list[Brief] = []
        for entry in shown:
            brief = brief_from_json(cached[entry.content_key]) if entry.content_key in cached else None
            if brief is None:
                brief = await self._late_brief(entry)
            if brief is None:
                cards.append(Card(title=entry.title or entry.url or "Untitled story", url=entry.url,
                                  source=None, summary=(), speakers=(),
                                  note="This story's page could not be read."))
                continue
            briefs.append(brief)
            cards.append(brief_card(brief))
        more = len(entries) - len(shown)
        text = f"{heading}: {len(entries)} new {'story' if len(entries) == 1 else 'stories'}"
        text += f" (showing the first {len(shown)})." if more else "."
        who = _who_said_what(briefs)
        if who is not None:
            cards.append(who)
        return Reply(text=text, cards=tuple(cards)), len(entries)

    async def _late_brief(self, entry: StoredEntry) -> Brief | None:
        if not entry.url:
            return None
        try:
            article = await self.sources.article(entry.url)
            brief = await self.cache.brief_one(article)
        except SourceError as exc:
            log.info("digest: story %s unreadable: %s", entry.url, exc)
            return None
        await self.store.run(self.store.set_entry_content, entry.id, article.content_key)
        return brief


def _unique(entries: list[StoredEntry]) -> list[StoredEntry]:
    """One story once, even when two followed feeds both carry it."""
    seen: set[str] = set()
    out = []
    for e in entries:
        key = e.content_key or e.url or f"{e.feed_id}:{e.entry_key}"
        if key in seen:
            continue
        seen.add(key)
        out.append(e)
    return out


def _who_said_what(briefs: list[Brief], max_speakers: int = 10, stories_each: int = 3) -> Card | None:
    """Everyone quoted across the digest's stories, the same person once, with where they said it.

    One quote per story a speaker appears in (their first there): the card is about
    breadth, the story cards above carry the detail.
    """
    if len(briefs) < 2:
        return None
    merged = merge_speakers(briefs)
    named = [sp for sp in merged if sp.name is not None][:max_speakers]
    views = []
    for sp in named + [sp for sp in merged if sp.name is None]:
        quotes = (quote_view(a.quotes[0], story=a.title or a.url or "untitled")
                  for a in sp.appearances[:stories_each] if a.quotes)
        views.append(speaker_view(sp.name, sp.roles[0] if sp.roles else None, sp.kind, quotes))
    if not views:
        return None
    return Card(title="Who said what across these stories", url=None, source=None, summary=(),
                speakers=tuple(views))
