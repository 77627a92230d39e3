"""Scheduled work: each channel's daily digest, and polling the feeds they follow.

Digests. Each channel's digest fires at its local time in its own IANA zone
(APScheduler ``CronTrigger`` with a ``ZoneInfo``), DST included: on the spring-forward
day a time inside the gap fires once, an hour "late" by the wall clock; on the
fall-back day the repeated wall time fires once (the trigger's second pass is
ignored, see ``bot.core.timing``). The database, not APScheduler's memory job store,
is the truth: on start, schedules are rebuilt from it, and a fire missed while the
bot was down is posted once if it is at most ``DIGEST_GRACE_SECONDS`` late, else
recorded as skipped.

Never twice. A digest is claimed by inserting its row (UNIQUE channel + local date)
in its own transaction BEFORE anything is posted, and marked ``posted`` afterwards.
If the process dies between the two, the row stays ``posting`` and is never retried:
we prefer a lost digest to a duplicate one (at-most-once), because a platform may
have accepted the message just before the crash and we cannot ask it. The stories
of such a digest count as delivered; those of a ``failed`` one roll into the next.

Feeds. A tick polls the feeds that are due, with conditional GET (ETag /
Last-Modified), at most ``per_host`` requests at once per host, and exponential
backoff (interval x 2^failures, capped) for feeds that keep failing. New entries are
briefed at once, so a story is briefed once however many channels get it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.briefs import BriefCache
from bot.core.clock import Clock
from bot.core.feed_health import FeedHealth, failure_cause
from bot.core.interface import ChannelRef, Deliverer
from bot.core.service import BriefbotService
from bot.core.sources import Sources
from bot.core.status import STATUS, StatusRegistry
from bot.core.timing import latest_fire, local_date, make_trigger
from bot.storage.db import NewEntry, Store, stored_key
from bot.storage.models import Digest, Feed, Schedule
from briefings.fetching import FetchError

log = logging.getLogger(__name__)

#: A fire is looked for this much past "now", so a job that wakes a hair early still finds it.
_EARLY = timedelta(seconds=2)
#: A platform call that takes longer is abandoned (and the digest marked failed, not retried).
DELIVER_TIMEOUT = 120.0
#: New entries briefed per feed per poll; a feed that suddenly lists hundreds is briefed lazily.
MAX_BRIEFED_PER_POLL = 20


@dataclass(frozen=True)
class PollResult:
    url: str
    new: int = 0
    not_modified: bool = False
    error: str | None = None


class FeedPoller:
    """Polls due feeds: conditional GET, per-host cap, exponential backoff, briefing new stories."""

    def __init__(self, store: Store, sources: Sources, cache: BriefCache, clock: Clock, *,
                 interval_seconds: int, per_host: int = 2, max_backoff: timedelta = timedelta(hours=6),
                 status: StatusRegistry = STATUS) -> None:
        self.store = store
        self.sources = sources
        self.cache = cache
        self.clock = clock
        self.interval = timedelta(seconds=interval_seconds)
        self.per_host = per_host
        self.max_backoff = max(max_backoff, self.interval)
        self.status = status
        self._hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(self.per_host))
        self._running = asyncio.Lock()
        self._last_prune: datetime | None = None

    def backoff(self, failures: int) -> timedelta:
        """Delay before the next poll after ``failures`` failures in a row."""
        return min(self.interval * (2 ** min(failures, 20)), self.max_backoff)

    async def poll_due(self) -> list[PollResult]:
        """Poll every feed whose time has come (one round at a time)."""
        async with self._running:
            feeds = await self.store.run(self.store.due_feeds, self.clock.now())
            results = await asyncio.gather(*(self._poll_gated(f) for f in feeds))
            self.status.set("feeds", True, f"{len(feeds)} polled")
            await self._prune_daily()
            return list(results)

    async def _prune_daily(self) -> None:
        now = self.clock.now()
        if self._last_prune is not None and now - self._last_prune < timedelta(days=1):
            return
        self._last_prune = now
        counts = await self.store.run(self.store.prune, now)
        if any(counts.values()):
            log.info("pruned %s", ", ".join(f"{n} {what}" for what, n in counts.items()))

    async def _poll_gated(self, feed: Feed) -> PollResult:
        host = (urlsplit(feed.url).hostname or "").lower()
        async with self._hosts[host]:
            return await self.poll(feed)

    async def poll(self, feed: Feed) -> PollResult:
        try:
            result = await self.sources.poll(feed.url, feed.etag, feed.last_modified)
        except FetchError as exc:
            return await self._failed(feed, str(exc), exc)
        except Exception as exc:  # a parser bug must not stop the other feeds
            log.exception("polling %s failed unexpectedly", feed.url)
            return await self._failed(feed, f"unexpected error: {type(exc).__name__}")
        try:
            return await self._record(feed, result)
        except Exception as exc:  # e.g. a value the database refuses: back off this feed only
            log.exception("storing the poll of %s failed", feed.url)
            return await self._failed(feed, f"could not be stored: {type(exc).__name__}")

    async def _record(self, feed: Feed, result) -> PollResult:
        now = self.clock.now()
        if feed.failures:  # a streak ends (feed health)
            await self.store.run(self.store.record_feed_health, feed.id, ok=True, now=now)
        if result.not_modified:
            await self.store.run(self.store.record_poll, feed.id, now=now, next_poll_at=now + self.interval,
                                 not_modified=True)
            self.status.incr("feeds.not_modified")
            return PollResult(feed.url, not_modified=True)
        entries = [NewEntry(e.id, e.link, e.title) for e in result.entries]
        added = await self.store.run(self.store.record_poll, feed.id, now=now,
                                     next_poll_at=now + self.interval, etag=result.etag,
                                     last_modified=result.last_modified, entries=entries)
        if added:
            log.info("feed %s: %d new stories", feed.url, len(added))
            self.status.incr("feeds.new_entries", len(added))
            await self._brief_new(feed, result, added)
        return PollResult(feed.url, new=len(added))

    async def _failed(self, feed: Feed, error: str, exc: BaseException | None = None) -> PollResult:
        now = self.clock.now()
        delay = self.backoff((feed.failures or 0) + 1)
        failures = await self.store.run(self.store.record_poll_failure, feed.id, error=error, now=now,
                                        next_poll_at=now + delay)
        await self.store.run(self.store.record_feed_health, feed.id, ok=False, now=now,
                             cause=failure_cause(exc))
        log.warning("feed %s failed (%d in a row, next try in %s): %s", feed.url, failures, delay, error)
        self.status.incr("feeds.failures")
        return PollResult(feed.url, error=error)

    async def _brief_new(self, feed: Feed, result, added) -> None:
        """Fetch and brief the new stories now, once for every channel that follows the feed."""
        by_key = {stored_key(e.id): e for e in result.entries}
        rows = [r for r in added if r.entry_key in by_key][:MAX_BRIEFED_PER_POLL]
        try:
            articles = await self.sources.entry_articles(feed.url, result.title or feed.title,
                                                         [by_key[r.entry_key] for r in rows],
                                                         concurrency=self.per_host)
            # Keep each row with its own article: an entry with no text is left for the
            # digest to list as unreadable, and must not shift the others' stories.
            readable = [(r, a) for r, a in zip(rows, articles) if a.text.strip()]
            await self.cache.briefs([a for _, a in readable])
        except Exception:
            log.exception("briefing new stories of %s failed; the digest will retry them", feed.url)
            return
        now = self.clock.now()
        for row, article in readable:
            await self.store.run(self.store.set_entry_content, row.id, article.content_key)
            if article.url:
                await self.store.run(self.store.remember_article, article.url, article.content_key,
                                     article.title, now)


class DigestScheduler:
    """Posts each channel's digest once per local day, and runs the feed poller."""

    def __init__(self, store: Store, service: BriefbotService, clock: Clock, *, grace_seconds: int,
                 poller: FeedPoller | None = None, status: StatusRegistry = STATUS,
                 gate: Callable[[], bool] | None = None) -> None:
        """``gate`` says whether this process may run scheduled work (the leader, when
        several replicas share a PostgreSQL database); commands are answered regardless."""
        self.gate = gate or (lambda: True)
        self.store = store
        self.service = service
        self.clock = clock
        self.grace = timedelta(seconds=grace_seconds)
        self.poller = poller
        self.status = status
        self.deliverers: dict[str, Deliverer] = {}
        self.scheduler: AsyncIOScheduler | None = None
        self._inflight: set[asyncio.Task] = set()
        self._channel_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.health = FeedHealth(store, clock)
        service.schedule_listeners.append(self.on_schedule_change)

    # --- wiring ---------------------------------------------------------------------------

    def register_deliverer(self, deliverer: Deliverer) -> None:
        self.deliverers[deliverer.platform] = deliverer

    def trigger_for(self, schedule: Schedule) -> CronTrigger:
        return make_trigger(schedule.hour, schedule.minute, schedule.tz, schedule.days)

    async def start(self, *, poll_seconds: int | None = None) -> None:
        """Rebuild jobs from the database, start APScheduler, then catch up on missed digests."""
        self.scheduler = AsyncIOScheduler(timezone=timezone.utc)
        for schedule in await self.store.run(self.store.enabled_schedules):
            try:
                self._add_job(schedule)
            except Exception as exc:  # one unusable row must not keep the others from firing
                log.error("digest schedule of %s (%02d:%02d %s) cannot be used: %s: %s", schedule.channel,
                          schedule.hour, schedule.minute, schedule.tz, type(exc).__name__, exc)
        if self.poller is not None and poll_seconds:
            tick = max(1, min(poll_seconds, 60))
            self.scheduler.add_job(self._tracked(self.poll_tick), IntervalTrigger(seconds=tick),
                                   id="feeds:poll", next_run_time=datetime.now(timezone.utc),
                                   coalesce=True, max_instances=1, misfire_grace_time=tick)
        # A sweep each minute: catches fires missed while this process was not the leader
        # or while the machine slept; claims make it harmless when nothing was missed.
        self.scheduler.add_job(self._tracked(self.catch_up), IntervalTrigger(seconds=60),
                               id="digests:sweep", coalesce=True, max_instances=1, misfire_grace_time=60)
        self.scheduler.start()
        self.status.set("scheduler", True, f"{len(self.scheduler.get_jobs())} jobs")
        await self.catch_up()

    async def shutdown(self, timeout: float = 10.0) -> None:
        """Stop firing, then give in-flight digests and polls ``timeout`` seconds to finish."""
        # Pause first: APScheduler's shutdown cancels running jobs, which could stop a
        # digest between posting and recording it.
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.pause()
        pending = {t for t in self._inflight if not t.done()}
        if pending:
            done, still = await asyncio.wait(pending, timeout=timeout)
            for task in still:
                task.cancel()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.status.set("scheduler", False, "stopped")

    def _tracked(self, fn):
        async def run(*args):
            task = asyncio.current_task()
            self._inflight.add(task)
            try:
                return await fn(*args)
            finally:
                self._inflight.discard(task)
        run.__name__ = getattr(fn, "__name__", "job")
        return run

    def _add_job(self, schedule: Schedule) -> None:
        if self.scheduler is None:
            return
        self.scheduler.add_job(self._tracked(self.fire), self.trigger_for(schedule), args=[schedule.channel],
                               id=f"digest:{schedule.channel}", replace_existing=True, coalesce=True,
                               max_instances=1, misfire_grace_time=max(1, int(self.grace.total_seconds())))

    async def on_schedule_change(self, channel: str) -> None:
        """Called by the command layer after /schedule set or off."""
        if self.scheduler is None:
            return
        job_id = f"digest:{channel}"
        if self.scheduler.get_job(job_id):
            self.scheduler.remove_job(job_id)
        schedule = await self.store.run(self.store.schedule, channel)
        if schedule is not None and schedule.enabled:
            self._add_job(schedule)

    def next_run(self, channel: str) -> datetime | None:
        job = self.scheduler.get_job(f"digest:{channel}") if self.scheduler else None
        return job.next_run_time if job else None

    # --- work -----------------------------------------------------------------------------

    async def poll_tick(self) -> None:
        if self.poller is not None and self.gate():
            try:
                await self.poller.poll_due()
            except Exception:
                log.exception("feed polling round failed")
                self.status.set("feeds", False, "polling round failed")
            try:
                await self.health.notify(self.deliverers)
            except Exception:
                log.exception("feed health notices failed")

    async def fire(self, channel: str) -> str:
        """The APScheduler job: post the digest that is due now, if it still is."""
        if not self.gate():
            return "not-leader"
        return await self.run_due(channel)

    async def catch_up(self) -> dict[str, str]:
        """After a start: post digests missed within the grace period, skip older ones."""
        outcomes: dict[str, str] = {}
        if not self.gate():
            return outcomes
        for schedule in await self.store.run(self.store.enabled_schedules):
            try:
                outcomes[schedule.channel] = await self.run_due(schedule.channel)
            except Exception:  # the next channels' digests still go out
                log.exception("catching up the digest of %s (%s) failed", schedule.channel, schedule.tz)
                outcomes[schedule.channel] = "error"
        return outcomes

    async def run_due(self, channel: str, now: datetime | None = None) -> str:
        """Post ``channel``'s most recent due digest unless it was claimed already.

        Returns what happened: ``posted``, ``failed``, ``skipped`` (too late), ``done``
        (already claimed), ``none`` (nothing due), ``no-deliverer``.
        """
        async with self._channel_locks[channel]:
            return await self._run_due(channel, now or self.clock.now())

    async def _run_due(self, channel: str, now: datetime) -> str:
        schedule = await self.store.run(self.store.schedule, channel)
        if schedule is None or not schedule.enabled:
            return "none"
        due = latest_fire(self.trigger_for(schedule), now + _EARLY, not_before=schedule.updated_at)
        if due is None:
            return "none"
        day = local_date(due, schedule.tz)
        if await self.store.run(self.store.digest, channel, day) is not None:
            return "done"
        ref = ChannelRef.from_key(channel)
        deliverer = self.deliverers.get(ref.platform)
        if deliverer is None:  # another process (or a later start) serves that platform
            log.debug("no deliverer for %s; digest of %s left unclaimed", ref.platform, channel)
            return "no-deliverer"
        due_utc = due.astimezone(timezone.utc)
        if now - due_utc > self.grace:
            if await self.store.run(self.store.claim_digest, channel, day, scheduled_for=due_utc,
                                    now=now, status="skipped"):
                log.warning("digest of %s for %s missed by %s (grace %s): skipped", channel, day,
                            now - due_utc, self.grace)
                self.status.incr("digests.skipped")
            return "skipped"
        row = await self.store.run(self.store.claim_digest, channel, day, scheduled_for=due_utc, now=now)
        if row is None:
            return "done"
        heading = f"Daily digest for {due.astimezone(ZoneInfo(schedule.tz)):%A %d %B %Y}"
        return await self._post(row, ref, deliverer, heading)

    async def _post(self, row: Digest, ref: ChannelRef, deliverer: Deliverer, heading: str) -> str:
        """Build and deliver a claimed digest, then record how it went."""
        try:
            try:
                reply, count = await self.service.digests.build(row.channel, row.window_start,
                                                                row.window_end, heading)
            except asyncio.CancelledError:
                # Stopped (shutdown) before anything was posted: a "failed" digest's stories
                # roll into the next one; left "posting", they would count as delivered.
                await asyncio.shield(self.store.run(
                    self.store.finish_digest, row.id, status="failed", now=self.clock.now(),
                    error="cancelled before posting (shutdown)"))
                raise
            async with asyncio.timeout(DELIVER_TIMEOUT):
                await deliverer.deliver(ref, reply)
        except Exception as exc:
            log.exception("digest of %s for %s failed", row.channel, row.local_date)
            await self.store.run(self.store.finish_digest, row.id, status="failed", now=self.clock.now(),
                                 error=f"{type(exc).__name__}: {exc}"[:500])
            self.status.incr("digests.failed")
            return "failed"
        await self.store.run(self.store.finish_digest, row.id, status="posted", now=self.clock.now(),
                             article_count=count)
        log.info("digest of %s for %s posted (%d stories)", row.channel, row.local_date, count)
        self.status.incr("digests.posted")
        return "posted"
