"""A channel's digest as a front page: every story its feeds brought since the last digest,
each once however many outlets carry it, the most widely covered first.

Stories are briefed when the poller first sees them (so a digest is quick and each
article is briefed once for every channel); an article whose page could not be read then
is tried once more here, and otherwise listed with its title and link. Articles are
grouped into stories by ``briefings.stories.front_page`` (same-story clusters); each
story is one card: the summary of its fullest article, the other outlets under "also
in", and its quotes merged (the same words in three outlets are one quote, with three
sources). The channel's schedule says how many stories get a card (the rest are listed
as headlines with links) and how many summary sentences each card has.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timezone
from urllib.parse import urlsplit

from bot.core.briefs import DEFAULT_SENTENCES, BriefCache
from bot.core.interface import Card, Reply, SpeakerView
from bot.core.sources import SourceError, Sources
from bot.core.views import quote_view, speaker_view, speaker_views
from bot.storage.archive import QuoteRecord
from bot.storage.codec import brief_from_json
from bot.storage.db import Store
from bot.storage.models import StoredEntry, Schedule
from briefings.digest import merge_speakers
from briefings.model import Brief, Quote
from briefings.stories import DigestStory, StoryQuote, front_page, outlet

log = logging.getLogger(__name__)

#: Stories shown as cards when the channel's schedule does not say.
DEFAULT_STORIES = 15
#: Summary sentences per story in a digest when the schedule does not say.
DEFAULT_DIGEST_SENTENCES = 2
#: Articles whose brief is missing that one digest tries to read again (each is a fetch).
MAX_LATE_BRIEFS = 30
#: Headlines listed after the cards; the rest are counted.
MAX_HEADLINES = 40
_SPEAKERS_PER_STORY = 4


def digest_shape(schedule: Schedule | None) -> tuple[int, int]:
    """(stories shown as cards, summary sentences per story) of a channel's digest."""
    stories = schedule.digest_stories if schedule and schedule.digest_stories else DEFAULT_STORIES
    sentences = schedule.digest_sentences if schedule and schedule.digest_sentences else DEFAULT_DIGEST_SENTENCES
    return stories, sentences


def describe_shape(schedule: Schedule | None) -> str:
    stories, sentences = digest_shape(schedule)
    return (
        f"It shows the top {stories} stor{'y' if stories == 1 else 'ies'} with "
        f"{sentences} summary sentence{'' if sentences == 1 else 's'} each."
    )


class DigestBuilder:
    def __init__(self, store: Store, cache: BriefCache, sources: Sources) -> None:
        self.store = store
        self.cache = cache
        self.sources = sources

    async def build(self, channel: str, since: datetime | None, until: datetime, heading: str) -> tuple[Reply, int]:
        """The digest reply and how many articles it covers."""
        entries = await self.store.run(self.store.channel_entries, channel, since, until)
        entries = _unique(entries)
        if not entries:
            return Reply(text=f"{heading}: nothing new in this channel's feeds since the last digest."), 0
        schedule = await self.store.run(self.store.schedule, channel)
        max_stories, sentences = digest_shape(schedule)
        feeds = await self.store.run(self.store.channel_feeds, channel)
        outlets = {f.id: f.title or urlsplit(f.url).hostname or f.url for f in feeds}
        briefs, arrivals, unreadable = await self._briefs(entries, sentences, outlets)
        # clustering and quote merging are CPU work: off the event loop
        stories = await asyncio.to_thread(front_page, briefs, arrivals=arrivals)
        shown, rest = stories[:max_stories], stories[max_stories:]
        cards = await asyncio.to_thread(lambda: [story_card(s) for s in shown])
        headlines = [_headline(s.lead, s) for s in rest]
        for e in unreadable:  # a card while there is room, else a headline
            if len(cards) < max_stories:
                cards.append(
                    Card(
                        title=e.title or e.url or "Untitled story",
                        url=e.url,
                        source=None,
                        summary=(),
                        speakers=(),
                        note="This story's page could not be read.",
                    )
                )
            else:
                headlines.append(
                    f"{e.title or e.url or 'Untitled story'}"
                    + (f" — {e.url}" if e.url and e.title else "")
                    + " (page could not be read)"
                )
        if headlines:
            more = len(headlines) - MAX_HEADLINES
            cards.append(
                Card(
                    title="More stories",
                    url=None,
                    source=None,
                    summary=tuple(headlines[:MAX_HEADLINES]) + ((f"(+{more} more)",) if more > 0 else ()),
                    speakers=(),
                )
            )
        n = len(stories) + len(unreadable)
        text = f"{heading}: {n} new {'story' if n == 1 else 'stories'}"
        if len(entries) != n:
            text += f" from {len(entries)} articles"
        text += f" (the top {len(shown)} in full)." if rest else "."
        who = _who_said_what(shown)
        if who is not None:
            cards.append(who)
        await self._archive(channel, stories, briefs, arrivals)
        return Reply(text=text, cards=tuple(cards)), len(entries)

    async def _archive(
        self, channel: str, stories: list[DigestStory], briefs: list[Brief], arrivals: list[datetime | None]
    ) -> None:
        """Keep every quote of the stories in the channel's archive (the same speaker and
        words once: a preview and the scheduled digest add nothing twice)."""
        arrived = {id(b.article): t for b, t in zip(briefs, arrivals)}
        records = []
        for story in stories:
            for q in story.quotes:
                first = q.articles[0]
                # when the channel got it: a page's own date may be missing, naive or guessed
                when = arrived.get(id(first)) or first.published
                if when is None:
                    continue
                if when.tzinfo is None:
                    when = when.replace(tzinfo=timezone.utc)
                records.append(
                    QuoteRecord(
                        speaker=q.speaker,
                        speaker_kind=q.speaker_kind,
                        kind=q.quote.kind,
                        text=q.quote.text,
                        story=story.title,
                        url=first.url,
                        outlets=tuple(dict.fromkeys(outlet(a) for a in q.articles)),
                        said_at=when,
                    )
                )
        if records:
            try:
                await self.store.run(self.store.archive_quotes, channel, records)
            except Exception:  # the digest still goes out; the archive misses these quotes
                log.exception("quote archive: could not keep %d quotes of %s", len(records), channel)

    async def _briefs(
        self, entries: list[StoredEntry], sentences: int, outlets: dict[int, str]
    ) -> tuple[list[Brief], list[datetime | None], list[StoredEntry]]:
        """Briefs of the entries (summaries cut to ``sentences``, the outlet named as the
        channel's feed is), their arrival times, and the entries that could not be read."""
        keys = [e.content_key for e in entries if e.content_key]
        cached = await self.store.run(self.store.cached_briefs, keys, DEFAULT_SENTENCES)
        briefs: list[Brief] = []
        arrivals: list[datetime | None] = []
        unreadable: list[StoredEntry] = []
        late = 0
        decoded = await asyncio.to_thread(lambda: {k: brief_from_json(v) for k, v in cached.items()})
        for entry in entries:
            brief = decoded.get(entry.content_key) if entry.content_key else None
            if brief is None and late < MAX_LATE_BRIEFS:
                late += 1
                brief = await self._late_brief(entry)
            if brief is None:
                unreadable.append(entry)
                continue
            source = outlets.get(entry.feed_id) or brief.article.source
            brief = replace(brief, article=replace(brief.article, url=entry.url or brief.article.url, source=source))
            briefs.append(brief)
            arrivals.append(entry.first_seen_at)
        if sentences > DEFAULT_SENTENCES:  # longer than the poller's briefs: brief again, cached
            longer = await self.cache.briefs([b.article for b in briefs], sentences)
            briefs = [replace(x, article=b.article) for x, b in zip(longer, briefs)]
        else:
            # the cached summary's first sentences: a shorter summary of the same story,
            # without parsing it again
            briefs = [
                replace(b, summary=b.summary[:sentences], summary_spans=b.summary_spans[:sentences]) for b in briefs
            ]
        return briefs, arrivals, unreadable

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


def story_card(story: DigestStory) -> Card:
    """One story: its fullest article's summary, "also in" the other outlets, quotes merged."""
    lead = story.lead.article
    others = story.also_in
    note = None
    if others:
        note = "Also in: " + ", ".join(
            f"{outlet(b.article)} ({b.article.url})" if b.article.url else outlet(b.article) for b in others
        )
    elif not story.quotes:
        note = "No quotes found in this story."
    return Card(
        title=story.title or lead.url or "Untitled story",
        url=lead.url,
        source=outlet(lead),
        summary=story.summary,
        speakers=_story_speakers(story),
        note=note,
    )


def _story_speakers(story: DigestStory) -> tuple[SpeakerView, ...]:
    """Who said what in one story: each quote once, with the outlets that carry it when
    more than one does."""
    by_speaker: dict[str, list[StoryQuote]] = {}
    for q in story.quotes:
        if q.speaker:  # unattributed quotes stay out of a digest card
            by_speaker.setdefault(q.speaker, []).append(q)
    ranked = sorted(by_speaker.items(), key=lambda kv: -max(len({outlet(a) for a in q.articles}) for q in kv[1]))
    pairs: list[tuple[str, list[Quote]]] = []
    sources: list[list[str]] = []
    for name, said in ranked[:_SPEAKERS_PER_STORY]:
        quotes = sorted(said, key=lambda q: -len({outlet(a) for a in q.articles}))
        pairs.append((name, [q.quote for q in quotes]))
        sources.append(
            [
                ", ".join(dict.fromkeys(outlet(a) for a in q.articles))
                if len({outlet(a) for a in q.articles}) > 1
                else ""
                for q in quotes
            ]
        )
    views = speaker_views(pairs, max_speakers=_SPEAKERS_PER_STORY)
    out = []
    for view, tails in zip(views, sources):  # the outlets carrying a quote, where it shows its story
        shown = tuple(replace(q, story=tail) if tail else q for q, tail in zip(view.quotes, tails))
        out.append(replace(view, quotes=shown))
    return tuple(out)


def _headline(brief: Brief, story: DigestStory) -> str:
    a = brief.article
    title = story.title or a.url or "Untitled story"
    n = len(story.outlets)
    also = f" (+{n - 1} more outlet{'s' if n > 2 else ''})" if n > 1 else ""
    return f"{title}{' — ' + a.url if a.url else ''}{also}"


def _unique(entries: list[StoredEntry]) -> list[StoredEntry]:
    """One article once, even when two followed feeds both carry it."""
    seen: set[str] = set()
    out = []
    for e in entries:
        key = e.content_key or e.url or f"{e.feed_id}:{e.entry_key}"
        if key in seen:
            continue
        seen.add(key)
        out.append(e)
    return out


def _who_said_what(stories: list[DigestStory], max_speakers: int = 10, stories_each: int = 3) -> Card | None:
    """Everyone quoted across the digest's stories, the same person once, with where they said it.

    One article per story (its lead) so a person quoted by three outlets of one story is
    counted once there; one quote per story a speaker appears in: the card is about
    breadth, the story cards above carry the detail.
    """
    if len(stories) < 2:
        return None
    merged = merge_speakers([s.lead if isinstance(s, DigestStory) else s for s in stories])
    named = [sp for sp in merged if sp.name is not None][:max_speakers]
    views = []
    for sp in named + [sp for sp in merged if sp.name is None]:
        quotes = (
            quote_view(a.quotes[0], story=a.title or a.url or "untitled")
            for a in sp.appearances[:stories_each]
            if a.quotes
        )
        views.append(speaker_view(sp.name, sp.roles[0] if sp.roles else None, sp.kind, quotes))
    if not views:
        return None
    return Card(title="Who said what across these stories", url=None, source=None, summary=(), speakers=tuple(views))
