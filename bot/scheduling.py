"""Scheduled work: each channel's daily digest, and polling the feeds they follow.

Digests. Each channel's digest fires at its local time in its own IANA zone
(APScheduler ``CronTrigger`` with a ``ZoneInfo``), DST included: on the spring-forward
day a time inside the gap fires once, an hour "late" by the wall clock; on the
fall-back day the repeated wall time fires once (the trigger's second pass is
ignored, see ``bot.core.timing``). The database, not APScheduler's memory job store,
is the truth: on start, schedules are rebuilt from it, and a fire missed while the
bot was down is posted once if it is at most ``DIGEST_GRACE_SECONDS`` late, else
recorded as skipped.

Exactly once. A digest moves through its row (``bot.storage.models.Digest``), one
transaction per step: *claimed* (UNIQUE channel + local date, before anything else, so
two schedulers cannot both start it), then built, then *sending* with its platform
messages stored just before the first one goes out, each message recorded as sent when
the platform has it, then *posted*. Every message carries an idempotency key made of the
digest and its index (Discord ``nonce`` + ``enforce_nonce``; Slack message metadata,
looked up in the channel's recent history before a resend). So after a crash at any
point, the next start (or the minute sweep, or a replica taking over) resumes the
digest from its first unsent message while it is within ``DIGEST_GRACE_SECONDS``: a
digest killed while being built is built again from the same window of stories, one
killed with a message in flight sends that message again under the same key (the
platform returns the one it has), one killed between messages sends the rest. Only an
attempt whose owner is gone is resumed: each attempt holds a lease on its row, renewed
by a heartbeat while it builds and sends (``bot.digest_lease``); a scheduler that finds
the lease live leaves the digest alone (``DONE``) and looks again when it would run out.
A failed attempt gives its lease back and is retried by the sweep, up to
``MAX_ATTEMPTS``; a digest that finally fails, or is still unfinished beyond the grace,
is marked *failed* and its stories go to the next digest. Each of these events is one
log line and one metric.

Feeds. A tick polls the feeds that are due, with conditional GET (ETag /
Last-Modified), at most ``per_host`` requests at once per host, and exponential
backoff (interval x 2^failures, capped) for feeds that keep failing. New entries are
briefed at once, so a story is briefed once however many channels get it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.briefs import BriefCache
from bot.core.clock import Clock
from bot.core.feed_health import FeedHealth, failure_cause
from bot.core.digests import DigestBuilder
from bot.core.interface import ChannelRef, Deliverer, DeliveryKey
from bot.core.outcomes import DigestEvent, DigestOutcome, NullObserver, Observer
from bot.core.service import BriefbotService
from bot.core.sources import Sources
from bot.core.status import STATUS, StatusRegistry
from bot.core.timing import latest_fire, local_date, make_trigger
from bot.digest_lease import HEARTBEAT_SECONDS, LEASE_SECONDS, AttemptLease, LeaseLost
from bot.storage.db import NewEntry, Store, stored_key
from bot.storage.models import Digest, DigestStatus, Feed, Schedule
from briefings.fetching import FailureKind, FetchError

log = logging.getLogger(__name__)

#: A fire is looked for this much past "now", so a job that wakes a hair early still finds it.
_EARLY = timedelta(seconds=2)
#: One platform message that takes longer fails the attempt (its key makes the retry safe).
DELIVER_TIMEOUT = 120.0
#: Gathering and rendering a digest (late fetches of unreadable stories included) is bounded too.
BUILD_TIMEOUT = 300.0
#: How often the schedules table is checked for changes made by another replica.
SCHEDULE_WATCH_SECONDS = 2.0
#: Attempts at one digest (a crash counts as one) before it is given up and its stories go to the next.
MAX_ATTEMPTS = 3
#: New entries briefed per feed per poll; a feed that suddenly lists hundreds is briefed lazily.
MAX_BRIEFED_PER_POLL = 20


#: Failure kind of a poll whose result could not be stored (not a fetch failure).
STORAGE_FAILURE = "storage"


@dataclass(frozen=True)
class PollResult:
    url: str
    new: int = 0
    not_modified: bool = False
    error: str | None = None
    #: How it failed: a ``briefings.fetching.FailureKind`` value, or ``STORAGE_FAILURE``.
    kind: str | None = None


class FeedPoller:
    """Polls due feeds: conditional GET, per-host cap, exponential backoff, briefing new stories."""

    def __init__(
        self,
        store: Store,
        sources: Sources,
        cache: BriefCache,
        clock: Clock,
        *,
        interval_seconds: int,
        per_host: int = 2,
        max_backoff: timedelta = timedelta(hours=6),
        status: StatusRegistry = STATUS,
        observer: Observer | None = None,
    ) -> None:
        self.store = store
        self.observer: Observer = observer or NullObserver()
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
        """Poll one feed; the result says how it went, and the observer counts it by kind."""
        result = await self._poll(feed)
        self.observer.feed_fetch(result.kind if result.error else None)
        return result

    async def _poll(self, feed: Feed) -> PollResult:
        try:
            result = await self.sources.poll(feed.url, feed.etag, feed.last_modified)
        except FetchError as exc:
            return await self._failed(feed, str(exc), exc.kind, exc)
        except Exception as exc:  # a parser bug must not stop the other feeds
            log.exception("polling %s failed unexpectedly", feed.url)
            return await self._failed(feed, f"unexpected error: {type(exc).__name__}", FailureKind.OTHER)
        try:
            return await self._record(feed, result)
        except Exception as exc:  # e.g. a value the database refuses: back off this feed only
            log.exception("storing the poll of %s failed", feed.url)
            return await self._failed(feed, f"could not be stored: {type(exc).__name__}", STORAGE_FAILURE)

    async def _record(self, feed: Feed, result) -> PollResult:
        now = self.clock.now()
        if feed.failures:  # a streak ends (feed health)
            await self.store.run(self.store.record_feed_health, feed.id, ok=True, now=now)
        if result.not_modified:
            await self.store.run(
                self.store.record_poll, feed.id, now=now, next_poll_at=now + self.interval, not_modified=True
            )
            self.status.incr("feeds.not_modified")
            return PollResult(feed.url, not_modified=True)
        entries = [NewEntry(e.id, e.link, e.title) for e in result.entries]
        added = await self.store.run(
            self.store.record_poll,
            feed.id,
            now=now,
            next_poll_at=now + self.interval,
            etag=result.etag,
            last_modified=result.last_modified,
            entries=entries,
        )
        if added:
            log.info("feed %s: %d new stories", feed.url, len(added))
            self.status.incr("feeds.new_entries", len(added))
            await self._brief_new(feed, result, added)
        return PollResult(feed.url, new=len(added))

    async def _failed(self, feed: Feed, error: str, kind: str, exc: BaseException | None = None) -> PollResult:
        now = self.clock.now()
        delay = self.backoff((feed.failures or 0) + 1)
        failures = await self.store.run(
            self.store.record_poll_failure, feed.id, error=error, now=now, next_poll_at=now + delay
        )
        await self.store.run(self.store.record_feed_health, feed.id, ok=False, now=now, cause=failure_cause(exc))
        log.warning("feed %s failed (%s; %d in a row, next try in %s): %s", feed.url, kind, failures, delay, error)
        self.status.incr("feeds.failures")
        return PollResult(feed.url, error=error, kind=kind)

    async def _brief_new(self, feed: Feed, result, added) -> None:
        """Fetch and brief the new stories now, once for every channel that follows the feed."""
        by_key = {stored_key(e.id): e for e in result.entries}
        rows = [r for r in added if r.entry_key in by_key][:MAX_BRIEFED_PER_POLL]
        try:
            articles = await self.sources.entry_articles(
                feed.url, result.title or feed.title, [by_key[r.entry_key] for r in rows], concurrency=self.per_host
            )
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
                await self.store.run(self.store.remember_article, article.url, article.content_key, article.title, now)


class DigestScheduler:
    """Posts each channel's digest once per local day, and runs the feed poller."""

    def __init__(
        self,
        store: Store,
        service: BriefbotService,
        clock: Clock,
        *,
        grace_seconds: int,
        poller: FeedPoller | None = None,
        status: StatusRegistry = STATUS,
        gate: Callable[[], bool] | None = None,
        observer: Observer | None = None,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        """``gate`` says whether this process may run scheduled work (the leader, when
        several replicas share a PostgreSQL database); commands are answered regardless.
        ``lease_seconds``: how long a digest attempt that stopped renewing its lease is
        still left to its owner (``bot.digest_lease``)."""
        self.gate = gate or (lambda: True)
        self.lease = timedelta(seconds=lease_seconds)
        self.heartbeat = min(HEARTBEAT_SECONDS, lease_seconds / 6)
        self.store = store
        self.digests: DigestBuilder = service.digests
        self.clock = clock
        self.grace = timedelta(seconds=grace_seconds)
        self.poller = poller
        self.status = status
        self.observer: Observer = observer or NullObserver()
        self.deliverers: dict[str, Deliverer] = {}
        self.scheduler: AsyncIOScheduler | None = None
        self._inflight: set[asyncio.Task] = set()
        self._channel_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.health = FeedHealth(store, clock)
        #: Set by the command layer of this process after a schedule change: look now.
        self._changed = service.schedules_changed
        self._seen_version = 0
        self._watcher: asyncio.Task | None = None

    # --- wiring ---------------------------------------------------------------------------

    def register_deliverer(self, deliverer: Deliverer) -> None:
        self.deliverers[deliverer.platform] = deliverer

    def trigger_for(self, schedule: Schedule) -> CronTrigger:
        return make_trigger(schedule.hour, schedule.minute, schedule.tz, schedule.days)

    async def start(self, *, poll_seconds: int | None = None) -> None:
        """Rebuild jobs from the database, start APScheduler, then catch up on missed digests."""
        self.scheduler = AsyncIOScheduler(timezone=timezone.utc)
        for schedule in await self.store.run(self.store.enabled_schedules):
            self._seen_version = max(self._seen_version, schedule.version or 0)
            self._add_job_logged(schedule)
        if self.poller is not None and poll_seconds:
            tick = max(1, min(poll_seconds, 60))
            self.scheduler.add_job(
                self.tracked(self.poll_tick),
                IntervalTrigger(seconds=tick),
                id="feeds:poll",
                next_run_time=datetime.now(timezone.utc),
                coalesce=True,
                max_instances=1,
                misfire_grace_time=tick,
            )
        # A sweep each minute: catches fires missed while this process was not the leader
        # or while the machine slept, and retries unfinished digests; claims make it
        # harmless when nothing was missed.
        self.scheduler.add_job(
            self.tracked(self.catch_up),
            IntervalTrigger(seconds=60),
            id="digests:sweep",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=60,
        )
        self.scheduler.start()
        self._watcher = asyncio.get_running_loop().create_task(self._watch_schedules(), name="schedule watch")
        self.status.set("scheduler", True, f"{len(self.scheduler.get_jobs())} jobs")
        await self.catch_up()

    async def shutdown(self, timeout: float = 10.0) -> None:
        """Stop firing, then give in-flight digests and polls ``timeout`` seconds to finish.

        A digest cut off here stays unfinished in the database and is resumed at the next
        start (within the grace period), from its first unsent message.
        """
        # Pause first: APScheduler's shutdown cancels running jobs.
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.pause()
        if self._watcher is not None:
            self._watcher.cancel()
        pending = {t for t in self._inflight if not t.done()}
        if pending:
            done, still = await asyncio.wait(pending, timeout=timeout)
            for task in still:
                task.cancel()
            if still:
                await asyncio.wait(still, timeout=1)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.status.set("scheduler", False, "stopped")

    def tracked(self, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Coroutine[Any, Any, Any]]:
        """``fn`` as a job whose run ``shutdown`` waits for (bounded) before stopping."""

        async def run(*args: Any) -> Any:
            task = asyncio.current_task()
            if task is not None:
                self._inflight.add(task)
            try:
                return await fn(*args)
            finally:
                if task is not None:
                    self._inflight.discard(task)

        run.__name__ = getattr(fn, "__name__", "job")
        return run

    def catch_up_soon(self) -> None:
        """Catch up now, in the background (a replica just elected leader must not wait for it)."""
        task = asyncio.get_running_loop().create_task(self.tracked(self.catch_up)(), name="digest catch-up")
        task.add_done_callback(_log_failure)

    async def _watch_schedules(self) -> None:
        """Keep the timers in step with the schedules table, whichever replica changed it:
        at once after a change in this process, within ``SCHEDULE_WATCH_SECONDS`` otherwise."""
        while True:
            try:
                await asyncio.wait_for(self._changed.wait(), SCHEDULE_WATCH_SECONDS)
            except TimeoutError:
                pass
            self._changed.clear()
            try:
                await self.sync_schedules()
            except Exception:  # the database is away: try again at the next round
                log.warning("reading schedule changes failed; retrying", exc_info=True)

    async def sync_schedules(self) -> int:
        """Apply schedule changes made since the last look (here or in another replica); how many."""
        rows = await self.store.run(self.store.schedules_changed_since, self._seen_version + 1)
        for schedule in rows:
            self._apply(schedule)
            self._seen_version = max(self._seen_version, schedule.version or 0)
        if rows:
            log.info(
                "schedules changed: %s",
                ", ".join(
                    f"{r.channel} {'%02d:%02d %s' % (r.hour, r.minute, r.tz) if r.enabled else 'off'}" for r in rows
                ),
            )
        return len(rows)

    def _apply(self, schedule: Schedule) -> None:
        if self.scheduler is None:
            return
        job_id = f"digest:{schedule.channel}"
        if self.scheduler.get_job(job_id):
            self.scheduler.remove_job(job_id)
        if schedule.enabled:
            self._add_job_logged(schedule)

    def _add_job_logged(self, schedule: Schedule) -> None:
        try:
            self._add_job(schedule)
        except Exception as exc:  # one unusable row must not keep the others from firing
            log.error(
                "digest schedule of %s (%02d:%02d %s) cannot be used: %s: %s",
                schedule.channel,
                schedule.hour,
                schedule.minute,
                schedule.tz,
                type(exc).__name__,
                exc,
            )

    def _add_job(self, schedule: Schedule) -> None:
        if self.scheduler is None:
            return
        self.scheduler.add_job(
            self.tracked(self.fire),
            self.trigger_for(schedule),
            args=[schedule.channel],
            id=f"digest:{schedule.channel}",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(1, int(self.grace.total_seconds())),
        )

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

    async def fire(self, channel: str, via: str = "timer") -> DigestOutcome:
        """The APScheduler job: post the digest that is due now, if it still is."""
        if not self.gate():
            self.observer.digest_outcome(_platform(channel), DigestOutcome.NOT_LEADER)
            return DigestOutcome.NOT_LEADER
        return await self.run_due(channel, via=via)

    async def catch_up(self) -> dict[str, DigestOutcome]:
        """Post digests missed within the grace period, resume unfinished ones, skip older ones."""
        outcomes: dict[str, DigestOutcome] = {}
        if not self.gate():
            return outcomes
        for schedule in await self.store.run(self.store.enabled_schedules):
            try:
                outcomes[schedule.channel] = await self.run_due(schedule.channel, via="sweep")
            except Exception:  # the next channels' digests still go out
                log.exception("catching up the digest of %s (%s) failed", schedule.channel, schedule.tz)
                outcomes[schedule.channel] = DigestOutcome.ERROR
                self.observer.digest_outcome(_platform(schedule.channel), DigestOutcome.ERROR)
        return outcomes

    async def run_due(self, channel: str, now: datetime | None = None, *, via: str = "call") -> DigestOutcome:
        """Post (or resume) ``channel``'s most recent due digest unless it is finished already.

        ``via`` (``timer``, ``sweep``) is only for the log: what found the digest due."""
        async with self._channel_locks[channel]:
            outcome = await self._run_due(channel, now or self.clock.now(), via)
        self.observer.digest_outcome(_platform(channel), outcome)
        return outcome

    async def _run_due(self, channel: str, now: datetime, via: str) -> DigestOutcome:
        schedule = await self.store.run(self.store.schedule, channel)
        if schedule is None or not schedule.enabled:
            return DigestOutcome.NONE
        ref = ChannelRef.from_key(channel)
        deliverer = self.deliverers.get(ref.platform)
        if deliverer is None:  # another process (or a later start) serves that platform
            log.debug("no deliverer for %s; digest of %s left as it is", ref.platform, channel)
            return DigestOutcome.NO_DELIVERER
        given_back = await self._give_back_stale(channel, now)
        # A digest begun and not finished (a crash, a failed attempt) goes first, whatever the
        # schedule says now: it was due when it was claimed.
        unfinished = await self.store.run(self.store.unfinished_digests, channel)
        if unfinished:
            return await self._attempt(unfinished[0], ref, deliverer, schedule.tz, now)
        due = latest_fire(self.trigger_for(schedule), now + _EARLY, not_before=schedule.updated_at)
        if due is None:
            return DigestOutcome.GIVEN_BACK if given_back else DigestOutcome.NONE
        day = local_date(due, schedule.tz)
        row = await self.store.run(self.store.digest, channel, day)
        if row is not None:
            return DigestOutcome.GIVEN_BACK if row.id in given_back else DigestOutcome.DONE
        due_utc = due.astimezone(timezone.utc)
        if now - due_utc > self.grace:
            if await self.store.run(
                self.store.claim_digest, channel, day, scheduled_for=due_utc, now=now, status=DigestStatus.SKIPPED
            ):
                log.warning(
                    "digest of %s for %s missed by %s (grace %s): skipped", channel, day, now - due_utc, self.grace
                )
                self._event(channel, DigestEvent.SKIPPED, "digests.skipped")
            return DigestOutcome.SKIPPED
        row = await self.store.run(self.store.claim_digest, channel, day, scheduled_for=due_utc, now=now)
        if row is None:
            return DigestOutcome.DONE
        log.info(
            "digest of %s for %s claimed (by the %s; stories first seen until %s)",
            channel,
            day,
            via,
            f"{row.window_end:%Y-%m-%d %H:%M:%S} UTC" if row.window_end else "now",
        )
        self._event(channel, DigestEvent.CLAIMED)
        return await self._attempt(row, ref, deliverer, schedule.tz, now, begun=True)

    async def _give_back_stale(self, channel: str, now: datetime) -> set[int]:
        """Unfinished digests beyond the grace period are given up: their stories go to the next."""
        rows = await self.store.run(
            self.store.abandon_unfinished, channel, scheduled_before=now - self.grace, now=now, lease=self.lease
        )
        for row in rows:
            log.warning(
                "digest of %s for %s not finished within the grace period (%d of %d messages "
                "sent): given up; its stories go to the next digest",
                row.channel,
                row.local_date,
                row.sent_count,
                row.message_count,
            )
            self._event(channel, DigestEvent.GIVEN_BACK, "digests.given_back")
        return {row.id for row in rows}

    async def _attempt(
        self, row: Digest, ref: ChannelRef, deliverer: Deliverer, tz: str, now: datetime, *, begun: bool = False
    ) -> DigestOutcome:
        """One attempt at an unfinished digest: build it unless built, then send what is unsent.

        ``begun``: this scheduler just claimed the row, which holds its first attempt;
        otherwise the next attempt is taken only if nobody holds the current one."""
        resumed = not begun and row.attempts > 0
        if not begun:
            taken = await self.store.run(
                self.store.begin_digest_attempt, row.id, row.attempts, now=self.clock.now(), lease=self.lease
            )
            if taken is None:  # a live scheduler holds this attempt, another took it, or the digest just ended
                self._look_again_when_lease_ends(row)
                return DigestOutcome.DONE
            row = taken
        if resumed:
            log.warning(
                "digest of %s for %s resumed (attempt %d): %s",
                row.channel,
                row.local_date,
                row.attempts,
                f"{row.sent_count} of {row.message_count} messages were sent"
                if row.status == DigestStatus.SENDING
                else "it had not been built",
            )
            self._event(row.channel, DigestEvent.RESUMED, "digests.resumed")
        lease = AttemptLease(self.store, self.clock, row, heartbeat=self.heartbeat)
        try:
            async with lease:
                if row.status == DigestStatus.CLAIMED or row.payload is None:
                    row = await self._build(row, deliverer, tz)
                await self._send(row, ref, deliverer, lease, first_maybe_sent=resumed)
        except LeaseLost:
            return self._lost(row)
        except asyncio.CancelledError:
            log.warning(
                "digest of %s for %s interrupted (shutdown); it is resumed at the next start within the grace period",
                row.channel,
                row.local_date,
            )
            await self._give_back(lease)
            raise
        except Exception as exc:
            if lease.lost:  # another scheduler has it now: its failures are not ours to count
                return self._lost(row)
            return await self._attempt_failed(row, exc)
        await self.store.run(self.store.finish_digest, row.id, status=DigestStatus.POSTED, now=self.clock.now())
        log.info(
            "digest of %s for %s posted (%d stories, %d messages)",
            row.channel,
            row.local_date,
            row.article_count,
            row.message_count,
        )
        self._event(row.channel, DigestEvent.POSTED, "digests.posted")
        return DigestOutcome.POSTED

    def _look_again_when_lease_ends(self, row: Digest) -> None:
        """Another scheduler holds ``row``'s attempt: look again just after its lease would run
        out, so a digest whose owner was killed is resumed promptly, not at some later sweep."""
        if row.attempt_seen_at is None:
            return
        left = row.attempt_seen_at + self.lease - self.clock.now()
        if left <= timedelta(0):  # stale, yet taken: another scheduler resumed it just now
            return
        log.info(
            "digest of %s for %s is in the hands of another scheduler (attempt %d); looked at again in %.0f s",
            row.channel,
            row.local_date,
            row.attempts,
            left.total_seconds(),
        )
        if self.scheduler is None or not self.scheduler.running:
            return
        self.scheduler.add_job(
            self.tracked(self.fire),
            DateTrigger(datetime.now(timezone.utc) + left + timedelta(seconds=1)),
            args=[row.channel, "lease check"],
            id=f"digest-lease:{row.channel}",
            replace_existing=True,
            misfire_grace_time=60,
        )

    def _lost(self, row: Digest) -> DigestOutcome:
        log.warning(
            "digest of %s for %s: attempt %d stopped; another scheduler took the digest over (this one had "
            "stopped renewing its lease)",
            row.channel,
            row.local_date,
            row.attempts,
        )
        return DigestOutcome.DONE

    async def _give_back(self, lease: AttemptLease) -> None:
        """A clean stop gives the attempt back, so the next start resumes it without waiting out the lease."""
        try:
            await lease.release()
        except Exception:  # the lease then runs out by itself
            log.warning("giving back the lease of digest %d failed", lease.digest_id, exc_info=True)

    async def _build(self, row: Digest, deliverer: Deliverer, tz: str) -> Digest:
        """Gather and render the digest's stories, then store its messages and mark it sending."""
        when = row.scheduled_for.astimezone(ZoneInfo(tz)) if tz else row.scheduled_for
        heading = f"Daily digest for {when:%A %d %B %Y}"
        async with asyncio.timeout(BUILD_TIMEOUT):
            reply, count = await self.digests.build(
                row.channel, row.window_start, row.window_end or row.claimed_at, heading
            )
            messages = await deliverer.prepare(reply)
        if not messages:
            raise RuntimeError("the digest rendered to no message")
        sending = await self.store.run(
            self.store.start_sending,
            row.id,
            payload=json.dumps(messages),
            message_count=len(messages),
            article_count=count,
            attempt=row.attempts,
        )
        if sending is None:
            raise LeaseLost(f"digest {row.id}: attempt {row.attempts} no longer holds it")
        return sending

    async def _send(
        self, row: Digest, ref: ChannelRef, deliverer: Deliverer, lease: AttemptLease, *, first_maybe_sent: bool
    ) -> None:
        """Send the messages not yet sent, each under its idempotency key, recording each; the
        lease is renewed before each, so an attempt taken over stops at its next message."""
        messages = json.loads(row.payload or "[]")
        for index in range(row.sent_count, len(messages)):
            await lease.check()
            key = DeliveryKey(row.delivery_key, index, maybe_sent=first_maybe_sent and index == row.sent_count)
            async with asyncio.timeout(DELIVER_TIMEOUT):
                await deliverer.send(ref, messages[index], key)
            await self.store.run(self.store.digest_message_sent, row.id, index)

    async def _attempt_failed(self, row: Digest, exc: Exception) -> DigestOutcome:
        error = f"{type(exc).__name__}: {exc}"[:500]
        if row.attempts >= MAX_ATTEMPTS:
            log.error(
                "digest of %s for %s failed after %d attempts (%s); its stories go to the next digest",
                row.channel,
                row.local_date,
                row.attempts,
                error,
                exc_info=exc,
            )
            await self.store.run(
                self.store.finish_digest, row.id, status=DigestStatus.FAILED, now=self.clock.now(), error=error
            )
            self._event(row.channel, DigestEvent.FAILED, "digests.failed")
            return DigestOutcome.FAILED
        log.warning(
            "digest of %s for %s: attempt %d of %d failed (%s); retried within a minute",
            row.channel,
            row.local_date,
            row.attempts,
            MAX_ATTEMPTS,
            error,
        )
        # The lease is given back with it: the retry (the next sweep) need not wait it out.
        await self.store.run(self.store.digest_attempt_failed, row.id, error, row.attempts)
        self._event(row.channel, DigestEvent.RETRY, "digests.retried")
        return DigestOutcome.RETRYING

    def _event(self, channel: str, event: DigestEvent, counter: str | None = None) -> None:
        if counter:
            self.status.incr(counter)
        self.observer.digest(_platform(channel), event)


def _platform(channel: str) -> str:
    return channel.partition(":")[0] or "unknown"


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("%s failed: %s", task.get_name(), task.exception(), exc_info=task.exception())
