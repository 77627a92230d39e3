"""The command layer: what each slash command means, whatever platform it came from.

``BriefbotService.handle`` never raises for anything a user can type: wrong input,
refused URLs and dead links come back as short, specific, ephemeral replies, and an
unexpected failure is logged with its traceback and answered with one sentence.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.core.briefs import BriefCache
from bot.core.clock import Clock
from bot.core.digests import DigestBuilder, describe_shape
from bot.core.interface import ChannelRef, Invocation, Reply, command_spec, help_command
from bot.core.outcomes import CommandOutcome, NullObserver, Observer
from bot.core.sources import SourceError, Sources, user_sentence
from bot.core.status import STATUS, StatusRegistry
from bot.core.timing import describe_local, make_trigger, next_fire
from bot.core.validation import (
    InputError,
    describe_days,
    parse_days,
    parse_digest_sentences,
    parse_archive_days,
    parse_digest_stories,
    parse_feed_url,
    parse_sentences,
    parse_time,
    parse_timezone,
    require,
)
from bot.core.views import archive_reply, brief_card, help_reply, quotes_card
from bot.storage.db import NewEntry, Store
from briefings.feeds import FeedError
from briefings.fetching import FetchError

log = logging.getLogger(__name__)

#: Who may change feeds and schedules, in each platform's own words.
MANAGERS = {
    "discord": "the Manage Channels permission or the manager role",
    "slack": "workspace admins and owners, or members of the manager user group",
    "console": "the local user",
}


def not_allowed(platform: str) -> str:
    """The refusal for a non-manager, naming only what this platform has."""
    who = MANAGERS.get(platform, "channel managers")
    return f"Only people who can manage this channel can change its feeds and schedule ({who})."


def _fmt_time(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else "never"


class BriefbotService:
    """Implements ``bot.core.interface.CommandService``."""

    def __init__(
        self,
        store: Store,
        cache: BriefCache,
        sources: Sources,
        clock: Clock,
        *,
        feed_poll_seconds: int = 900,
        status: StatusRegistry = STATUS,
        observer: Observer | None = None,
    ) -> None:
        self.store = store
        self.cache = cache
        self.sources = sources
        self.clock = clock
        self.digests = DigestBuilder(store, cache, sources)
        self.feed_poll_seconds = feed_poll_seconds
        self.status = status
        self.observer: Observer = observer or NullObserver()
        #: Set after a schedule change, so this process's scheduler looks at once (another
        #: replica's finds the change in the database: ``DigestScheduler.sync_schedules``).
        self.schedules_changed = asyncio.Event()
        self.accepting = True
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._handlers: dict[str, Callable[[Invocation], Awaitable[Reply]]] = {
            "brief": self._brief,
            "quotes": self._quotes,
            "digest": self._digest,
            "feeds add": self._feeds_add,
            "feeds remove": self._feeds_remove,
            "feeds list": self._feeds_list,
            "schedule set": self._schedule_set,
            "schedule off": self._schedule_off,
            "schedule show": self._schedule_show,
            "help": self._help,
        }

    # --- entry points -------------------------------------------------------------------

    async def handle(self, inv: Invocation) -> Reply:
        reply, outcome = await self._handle(inv)
        self.observer.command(inv.channel.platform, inv.command, outcome)
        return reply

    async def _handle(self, inv: Invocation) -> tuple[Reply, CommandOutcome]:
        spec = command_spec(inv.command)
        handler = self._handlers.get(inv.command)
        if spec is None or handler is None:
            hint = help_command(inv.channel.platform)
            return (
                Reply(text=f"There is no /{inv.command} command; try {hint}.", ephemeral=True, error=True),
                CommandOutcome.UNAVAILABLE,
            )
        if not self.accepting:
            return (
                Reply(text="Briefbot is restarting; try again in a minute.", ephemeral=True, error=True),
                CommandOutcome.UNAVAILABLE,
            )
        if spec.manage and not inv.can_manage:
            log.info("refused /%s for %s in %s: not a manager", inv.command, inv.user_id, inv.channel.key)
            return Reply(text=not_allowed(inv.channel.platform), ephemeral=True, error=True), CommandOutcome.DENIED
        self.status.incr(f"commands.{inv.command.replace(' ', '_')}")
        self._in_flight += 1
        self._idle.clear()
        try:
            return await handler(inv), CommandOutcome.OK
        except (InputError, SourceError) as exc:
            log.info("/%s in %s: %s", inv.command, inv.channel.key, exc)
            return Reply(text=str(exc), ephemeral=True, error=True), CommandOutcome.INVALID
        except Exception:
            log.exception("/%s in %s failed", inv.command, inv.channel.key)
            self.status.incr("commands.failed")
            return (
                Reply(
                    text=f"Sorry, /{inv.command} failed on our side; it has been logged.", ephemeral=True, error=True
                ),
                CommandOutcome.ERROR,
            )
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    async def stop(self, timeout: float = 5.0) -> bool:
        """Refuse new commands, then wait up to ``timeout`` for running ones; True if all finished."""
        self.accepting = False
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except TimeoutError:
            log.warning("%d commands still running at shutdown", self._in_flight)
            return False

    async def speaker_choices(self, url: str, prefix: str, channel: ChannelRef | None = None) -> list[str]:
        if not (url or "").strip():
            if channel is None:
                return []
            return await self.store.run(self.store.archived_speakers, channel.key, prefix or "")
        brief = await self.cache.cached_for_url(url or "")
        if brief is None:
            return []
        p = (prefix or "").strip().lower()
        names = [name for name, _ in brief.speakers if name is not None]  # not the unattributed group
        starts = [n for n in names if n.lower().startswith(p)]
        inside = [n for n in names if p and p in n.lower() and n not in starts]
        return (starts + inside)[:25]

    # --- articles -----------------------------------------------------------------------

    async def _brief(self, inv: Invocation) -> Reply:
        url = require(inv.options, "url", "the article's URL, e.g. /brief url:https://…")
        sentences = parse_sentences(inv.options.get("sentences"))
        article = await self.sources.article(url)
        if not article.text.strip():
            raise SourceError(f"No article text was found at {url}.")
        brief = await self.cache.brief_one(article, sentences, also_url=url)
        return Reply(cards=(brief_card(brief),))

    async def _quotes(self, inv: Invocation) -> Reply:
        url = str(inv.options.get("url") or "").strip()
        speaker = str(inv.options.get("speaker") or "").strip() or None
        if not url:
            return await self._search_quotes(inv, speaker)
        article = await self.sources.article(url)
        brief = await self.cache.brief_one(article, also_url=url)
        if speaker:
            names = [n for n, _ in brief.speakers if n is not None]
            match = next((n for n in names if n.lower() == speaker.lower()), None)
            match = match or next((n for n in names if speaker.lower() in n.lower()), None)
            if match is None:
                known = ", ".join(names[:10]) or "nobody"
                raise InputError(f"Nobody called “{speaker}” is quoted in that article. Quoted: {known}.")
            speaker = match
        return Reply(cards=(quotes_card(brief, speaker),))

    async def _search_quotes(self, inv: Invocation, speaker: str | None) -> Reply:
        """/quotes without a URL: what was said in this channel's stories, newest first."""
        words = str(inv.options.get("text") or "").strip()
        days = parse_archive_days(inv.options.get("days"))
        if not speaker and not words:
            raise InputError(
                "Give an article's URL (/quotes url:https://…), or search this channel's "
                "quotes with speaker:<name> or text:<words>."
            )
        since = self.clock.now() - timedelta(days=days) if days else None
        channel = inv.channel.key
        if words:
            found = await self.store.run(self.store.quotes_matching, channel, words, since, 50 if speaker else 15)
            if speaker:
                found = [r for r in found if r.speaker and speaker.lower() in r.speaker.lower()][:15]
        else:
            found = await self.store.run(self.store.quotes_by_speaker, channel, speaker, since)
        return archive_reply(found, speaker=speaker, words=words or None, days=days)

    async def _digest(self, inv: Invocation) -> Reply:
        """The digest as it stands now; a preview, so the scheduled one still carries these stories."""
        channel = inv.channel.key
        feeds = await self.store.run(self.store.channel_feeds, channel)
        if not feeds:
            return Reply(text="This channel follows no feeds yet: add one with /feeds add url:…", ephemeral=True)
        since = await self.store.run(self.store.window_start, channel)
        reply, _ = await self.digests.build(channel, since, self.clock.now(), "Digest so far")
        return reply

    # --- feeds --------------------------------------------------------------------------

    async def _feeds_add(self, inv: Invocation) -> Reply:
        url = parse_feed_url(inv.options.get("url"))
        try:
            poll = await self.sources.poll(url)
        except FeedError as exc:
            raise InputError(
                f"{url} is not a feed I can read ({exc.reason}); give the address of an RSS or Atom feed."
            ) from None
        except FetchError as exc:
            raise SourceError(user_sentence(str(exc))) from None
        now = self.clock.now()
        entries = [NewEntry(e.id, e.link, e.title) for e in poll.entries]
        feed, new = await self.store.run(
            self.store.subscribe,
            inv.channel.key,
            url,
            title=poll.title,
            entries=entries,
            etag=poll.etag,
            last_modified=poll.last_modified,
            now=now,
            next_poll_at=now + timedelta(seconds=self.feed_poll_seconds),
        )
        name = f"{feed.title} ({url})" if feed.title else url
        if await self.store.run(self.store.resume_feed, feed.id, now):
            return Reply(
                text=f"{name} reads again: it is polled again for every channel that follows it.", ephemeral=True
            )
        if not new:
            return Reply(text=f"This channel already follows {name}.", ephemeral=True)
        text = (
            f"Now following {name}. Its {len(entries)} current "
            f"{'story is' if len(entries) == 1 else 'stories are'} counted as read; "
            "new stories will appear in this channel's digest."
        )
        schedule = await self.store.run(self.store.schedule, inv.channel.key)
        if schedule is None or not schedule.enabled:
            text += " Set a daily time with /schedule set time:08:00 timezone:Europe/Berlin."
        return Reply(text=text, ephemeral=True)

    async def _feeds_remove(self, inv: Invocation) -> Reply:
        url = parse_feed_url(inv.options.get("url"))
        if await self.store.run(self.store.unsubscribe, inv.channel.key, url):
            return Reply(text=f"Stopped following {url}.", ephemeral=True)
        raise InputError(f"This channel does not follow {url}; /feeds list shows what it follows.")

    async def _feeds_list(self, inv: Invocation) -> Reply:
        feeds = await self.store.run(self.store.channel_feeds, inv.channel.key)
        if not feeds:
            return Reply(text="This channel follows no feeds. Add one with /feeds add url:…", ephemeral=True)
        lines = [f"This channel follows {len(feeds)} feed{'s' if len(feeds) != 1 else ''}:"]
        states = await self.store.run(self.store.feed_states, [f.id for f in feeds])
        for f in feeds:
            line = (
                f"• {f.title + ' — ' if f.title else ''}{f.url} — {_state(states[f.id])}; "
                f"last fetched {_fmt_time(f.last_fetch_at)}"
            )
            if f.last_error:
                line += f"; last error: {f.last_error} ({f.failures} failed in a row)"
            lines.append(line)
        return Reply(text="\n".join(lines), ephemeral=True)

    # --- schedule -----------------------------------------------------------------------

    async def _schedule_set(self, inv: Invocation) -> Reply:
        hour, minute = parse_time(require(inv.options, "time", "a time, e.g. time:08:00"))
        tz = parse_timezone(require(inv.options, "timezone", "a time zone, e.g. timezone:Europe/Berlin"))
        days = parse_days(inv.options.get("days") or "daily")
        stories = parse_digest_stories(inv.options.get("stories"))
        sentences = parse_digest_sentences(inv.options.get("sentences"))
        now = self.clock.now()
        row = await self.store.run(
            self.store.set_schedule,
            inv.channel.key,
            hour=hour,
            minute=minute,
            tz=tz,
            days=days,
            now=now,
            stories=stories,
            sentences=sentences,
        )
        await self._schedule_changed(inv.channel.key)
        nxt = next_fire(make_trigger(hour, minute, tz, days), now)
        when = f" Next: {describe_local(nxt, tz)}." if nxt else ""
        return Reply(
            text=f"The digest will be posted at {hour:02d}:{minute:02d} ({tz}) "
            f"{describe_days(days)}.{when} {describe_shape(row)}",
            ephemeral=True,
        )

    async def _schedule_off(self, inv: Invocation) -> Reply:
        if await self.store.run(self.store.disable_schedule, inv.channel.key, self.clock.now()):
            await self._schedule_changed(inv.channel.key)
            return Reply(text="The daily digest is off for this channel.", ephemeral=True)
        return Reply(text="This channel has no daily digest to turn off.", ephemeral=True)

    async def _schedule_show(self, inv: Invocation) -> Reply:
        s = await self.store.run(self.store.schedule, inv.channel.key)
        if s is None or not s.enabled:
            return Reply(
                text="No daily digest in this channel. Set one with /schedule set time:08:00 timezone:Europe/Berlin",
                ephemeral=True,
            )
        nxt = next_fire(make_trigger(s.hour, s.minute, s.tz, s.days), self.clock.now())
        text = f"The digest is posted at {s.hour:02d}:{s.minute:02d} ({s.tz}) {describe_days(s.days)}."
        if nxt:
            text += f" Next: {describe_local(nxt, s.tz)}."
        text += " " + describe_shape(s)
        return Reply(text=text, ephemeral=True)

    async def _schedule_changed(self, channel: str) -> None:
        self.schedules_changed.set()

    async def _help(self, inv: Invocation) -> Reply:
        return help_reply(inv.channel.platform)


def _state(state) -> str:
    """A feed's health for /feeds list (``bot.storage.health.FeedState``)."""
    if state.state == "ok":
        return "working"
    since = _fmt_time(state.since)
    return {
        "failing": f"failing since {since}",
        "gone": f"gone since {since} (paused after 7 days)",
        "paused": f"paused since {since} (gone for 7 days; /feeds add it again once it is back)",
    }[state.state]
