"""Restarts on a real SQLite file: what survives, and digests missed while down.

Most tests use an injected clock and rebuild the whole core on the same database file,
as a new process would. One test kills a real ``briefbot console`` process with SIGKILL
and starts it again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.scheduling import DigestScheduler
from bot.storage import open_store
from bot_helpers import CHANNEL, FeedSite, RecordingDeliverer, inv, open_core
from httpserver import http_server  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
MORNING = datetime(2026, 6, 1, 6, 0, tzinfo=timezone.utc)  # Monday 08:00 in Berlin (CEST)


class Bot:
    """One 'process': a core, its scheduler and a recording deliverer on the shared DB file."""

    def __init__(self, tmp_path, clock, deliverer=None):
        self.core = open_core(tmp_path, clock)
        self.deliverer = deliverer or RecordingDeliverer("discord")
        self.scheduler = DigestScheduler(
            self.core.store, self.core.service, clock, grace_seconds=self.core.settings.digest_grace_seconds
        )
        self.scheduler.register_deliverer(self.deliverer)

    async def start(self):
        await self.scheduler.start()
        return self

    async def stop(self):
        await self.scheduler.shutdown(timeout=1)
        self.core.store.close()
        self.core.briefer.close()


async def schedule_morning(tmp_path, clock):
    bot = Bot(tmp_path, clock)
    reply = await bot.core.service.handle(inv("schedule set", time="08:00", timezone="Europe/Berlin"))
    assert not reply.error
    await bot.stop()


async def test_schedules_and_subscriptions_survive_restart(tmp_path, http_server):
    site = FeedSite(http_server)
    site.add_story(1)
    clock = FakeClock(MORNING - timedelta(days=1))
    first = Bot(tmp_path, clock)
    await first.core.service.handle(inv("feeds add", url=site.url))
    await first.core.service.handle(inv("schedule set", time="08:00", timezone="Europe/Berlin", days="mon-fri"))
    await first.stop()

    second = await Bot(tmp_path, clock).start()
    try:
        assert site.url in (await second.core.service.handle(inv("feeds list"))).text
        shown = await second.core.service.handle(inv("schedule show"))
        assert "08:00 (Europe/Berlin) Monday to Friday" in shown.text
        job = second.scheduler.scheduler.get_job(f"digest:{CHANNEL.key}")
        assert job is not None and str(job.trigger.timezone) == "Europe/Berlin"
        nxt = second.scheduler.next_run(CHANNEL.key)
        assert nxt.astimezone(job.trigger.timezone).strftime("%H:%M") == "08:00"
    finally:
        await second.stop()


@pytest.mark.parametrize(
    "down_for, posted", [(timedelta(minutes=50), 1), (timedelta(minutes=70), 0)], ids=["inside-grace", "outside-grace"]
)
async def test_killed_across_the_scheduled_minute(tmp_path, down_for, posted):
    clock = FakeClock(MORNING - timedelta(minutes=5))
    await schedule_morning(tmp_path, clock)
    # The bot was up at 07:55 and "killed" at 07:59 without any shutdown step.
    before = await Bot(tmp_path, clock).start()
    assert before.deliverer.sent == []
    clock.advance(minutes=4)
    before.core.store.close()

    clock.set(MORNING + down_for)
    after = await Bot(tmp_path, clock).start()  # start() catches up
    try:
        assert len(after.deliverer.sent) == posted
        row = after.core.store.digest(CHANNEL.key, "2026-06-01")
        assert row.status == ("posted" if posted else "skipped")
        assert row.scheduled_for == MORNING
    finally:
        await after.stop()

    clock.advance(minutes=5)  # and a third start the same morning posts nothing more
    again = await Bot(tmp_path, clock).start()
    try:
        assert again.deliverer.sent == []
        assert len(again.core.store.digests(CHANNEL.key)) == 1
    finally:
        await again.stop()

    clock.set(MORNING + timedelta(days=1, seconds=1))  # the next day is normal again
    nextday = await Bot(tmp_path, clock).start()
    try:
        assert len(nextday.deliverer.sent) == 1  # posted by the start-up catch-up
        assert await nextday.scheduler.run_due(CHANNEL.key) == "done"
        assert len(nextday.deliverer.sent) == 1
    finally:
        await nextday.stop()


class KeyedChannel:
    """A channel that, like Discord with ``enforce_nonce``, keeps one message per key."""

    def __init__(self) -> None:
        self.messages: dict[str, dict] = {}
        self.attempts: list[str] = []


class DyingDeliverer:
    """Three messages per digest; the process 'dies' (KeyboardInterrupt) at ``die``:
    ``("build", -1)``, ``("before", i)`` (message i never reaches the channel) or
    ``("after", i)`` (message i reached the channel, its answer never came back)."""

    platform = "discord"

    def __init__(self, channel: KeyedChannel, die: tuple[str, int] | None = None) -> None:
        self.channel = channel
        self.die = die

    async def prepare(self, reply):
        if self.die == ("build", -1):
            raise KeyboardInterrupt
        return [{"part": i, "text": reply.text} for i in range(3)]

    async def send(self, ref, message, key):
        self.channel.attempts.append(key.token)
        if self.die == ("before", key.index):
            raise KeyboardInterrupt
        self.channel.messages.setdefault(key.token, message)
        if self.die == ("after", key.index):
            raise KeyboardInterrupt


@pytest.mark.parametrize(
    "die",
    [("build", -1), ("after", 0), ("before", 1), ("after", 2)],
    ids=["while-building", "first-in-flight", "between-messages", "last-in-flight"],
)
async def test_a_digest_killed_at_any_step_is_resumed_from_its_first_unsent_message(tmp_path, die):
    """In-process (the real-process version is tests/test_digest_exactly_once.py): a crash
    at any step leaves the row saying what is left; the next start sends exactly that."""
    clock = FakeClock(MORNING - timedelta(minutes=5))
    await schedule_morning(tmp_path, clock)
    clock.set(MORNING + timedelta(seconds=1))
    channel = KeyedChannel()
    crashing = Bot(tmp_path, clock, DyingDeliverer(channel, die))
    with pytest.raises(KeyboardInterrupt):
        await crashing.scheduler.run_due(CHANNEL.key)
    crashing.core.store.close()
    crashing.core.briefer.close()

    clock.advance(minutes=10)  # within the grace period
    restarted = await Bot(tmp_path, clock, DyingDeliverer(channel)).start()  # start() resumes it
    try:
        row = restarted.core.store.digest(CHANNEL.key, "2026-06-01")
        assert (row.status, row.sent_count, row.message_count, row.attempts) == ("posted", 3, 3, 2)
        assert [m["part"] for m in channel.messages.values()] == [0, 1, 2]  # each once, in order
        resent = [t for t in channel.attempts if channel.attempts.count(t) > 1]
        assert resent == ([] if die[0] == "build" else [f"{row.delivery_key}.{die[1]}"] * 2)
        assert await restarted.scheduler.run_due(CHANNEL.key) == "done"
    finally:
        await restarted.stop()


async def test_a_digest_unfinished_beyond_the_grace_gives_its_stories_back(tmp_path, http_server):
    site = FeedSite(http_server)
    site.add_story(2)  # the backlog, counted as read
    clock = FakeClock(MORNING - timedelta(hours=1))
    setup = Bot(tmp_path, clock)
    assert not (await setup.core.service.handle(inv("feeds add", url=site.url))).error
    await setup.core.service.handle(inv("schedule set", time="08:00", timezone="Europe/Berlin"))
    site.add_story(3)
    clock.advance(minutes=5)
    from bot.scheduling import FeedPoller

    await FeedPoller(setup.core.store, setup.core.sources, setup.core.cache, clock, interval_seconds=60).poll_due()
    await setup.stop()
    clock.set(MORNING + timedelta(seconds=1))
    channel = KeyedChannel()
    crashing = Bot(tmp_path, clock, DyingDeliverer(channel, ("before", 0)))
    with pytest.raises(KeyboardInterrupt):
        await crashing.scheduler.run_due(CHANNEL.key)
    crashing.core.store.close()
    crashing.core.briefer.close()

    clock.set(MORNING + timedelta(hours=2))  # back only after the grace period
    late = await Bot(tmp_path, clock).start()
    try:
        row = late.core.store.digest(CHANNEL.key, "2026-06-01")
        assert row.status == "failed" and "grace" in row.error
        assert late.deliverer.sent == [] and channel.messages == {}
        preview = await late.core.service.handle(inv("digest"))  # never "nothing new" about it
        assert "nothing new" not in preview.text and "plan number 3" in preview.cards[0].title
        clock.set(MORNING + timedelta(days=1, seconds=1))
        assert await late.scheduler.run_due(CHANNEL.key) == "posted"
        ((_, reply),) = late.deliverer.sent
        assert "plan number 3" in reply.cards[0].title  # the next digest carries it
    finally:
        await late.stop()


async def test_no_deliverer_leaves_digest_for_the_platform_that_serves_it(tmp_path):
    clock = FakeClock(MORNING - timedelta(minutes=5))
    await schedule_morning(tmp_path, clock)
    clock.set(MORNING + timedelta(minutes=1))
    slack_only = Bot(tmp_path, clock, RecordingDeliverer("slack"))
    assert await slack_only.scheduler.run_due(CHANNEL.key) == "no-deliverer"
    assert slack_only.core.store.digests() == []
    await slack_only.stop()


def _console(env, stdin=subprocess.PIPE):
    return subprocess.Popen(
        [sys.executable, "-m", "bot.console"],
        cwd=env["HOME"],
        env=env,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_sigkilled_console_posts_missed_digest_once(tmp_path):
    """A real process: the digest missed 10 minutes ago is posted at start, once, across SIGKILL."""
    db = tmp_path / "data" / "briefbot.db"
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{db}",
        "PYTHONPATH": str(ROOT),
        "FEED_POLL_SECONDS": "3600",
    }
    env.pop("DISCORD_TOKEN", None)
    now = datetime.now(timezone.utc)
    due = (now - timedelta(minutes=10)).replace(second=0, microsecond=0)
    store = open_store(f"sqlite:///{db}")
    store.set_schedule(
        "console:local", hour=due.hour, minute=due.minute, tz="UTC", days="*", now=now - timedelta(hours=2)
    )
    store.close()

    first = _console(env)
    try:
        seen = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = first.stdout.readline()
            if not line:
                break
            seen.append(line)
            if "nothing new" in line:
                break
        assert any("[scheduled digest for console:local]" in s for s in seen), "".join(seen)
        for _ in range(100):  # the row is marked posted right after printing
            store = open_store(f"sqlite:///{db}")
            status = store.digests("console:local")[0].status
            store.close()
            if status != "posting":
                break
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
        first.stdout.close()
        first.stderr.close()
        first.stdin.close()

    second = subprocess.run(
        [sys.executable, "-m", "bot.console"],
        cwd=tmp_path,
        env=env,
        input="/schedule show\n/quit\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 0, second.stderr
    assert "The digest is posted at" in second.stdout
    assert "[scheduled digest" not in second.stdout
    store = open_store(f"sqlite:///{db}")
    rows = store.digests("console:local")
    store.close()
    assert [(r.status, r.scheduled_for) for r in rows] == [("posted", due)]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/data/briefbot.db"
        return
    from ops_postgres import fresh_database

    yield from fresh_database()


async def test_two_processes_racing_for_one_digest_post_it_once(tmp_path, database_url):
    """Two schedulers on one database (a restart overlapping the old process, or two
    replicas during a leader hand-over) fire together: the UNIQUE claim lets one post."""
    clock = FakeClock(MORNING - timedelta(minutes=5))
    setup = open_core(tmp_path, clock, database_url=database_url)
    await setup.service.handle(inv("schedule set", time="08:00", timezone="Europe/Berlin"))
    setup.store.close()
    clock.set(MORNING + timedelta(seconds=1))
    bots = []
    for _ in range(3):
        core = open_core(tmp_path, clock, database_url=database_url)
        sched = DigestScheduler(core.store, core.service, clock, grace_seconds=3600)
        deliverer = RecordingDeliverer("discord")
        sched.register_deliverer(deliverer)
        bots.append((core, sched, deliverer))
    try:
        outcomes = await asyncio.gather(*(s.run_due(CHANNEL.key) for _, s, _ in bots))
        assert sorted(outcomes) == ["done", "done", "posted"]
        assert sum(len(d.sent) for _, _, d in bots) == 1
        assert [r.status for r in bots[0][0].store.digests(CHANNEL.key)] == ["posted"]
    finally:
        for core, _, _ in bots:
            core.store.close()
            core.briefer.close()


class HeldDeliverer(DyingDeliverer):
    """Three messages per digest; the first send waits in flight until ``release`` is set
    (a live scheduler busy with the digest)."""

    def __init__(self, channel: KeyedChannel) -> None:
        super().__init__(channel)
        self.in_flight = asyncio.Event()
        self.release = asyncio.Event()

    async def send(self, ref, message, key):
        if key.index == 0:
            self.in_flight.set()
            await self.release.wait()
        await super().send(ref, message, key)


def _process(tmp_path, clock, database_url, deliverer, **kwargs):
    """Another 'process' on the shared database: its own core and scheduler."""
    core = open_core(tmp_path, clock, database_url=database_url)
    sched = DigestScheduler(core.store, core.service, clock, grace_seconds=3600, **kwargs)
    sched.register_deliverer(deliverer)
    return core, sched


def _close(*cores):
    for core in cores:
        core.store.close()
        core.briefer.close()


async def _morning_schedule(tmp_path, clock, database_url):
    setup = open_core(tmp_path, clock, database_url=database_url)
    await setup.service.handle(inv("schedule set", time="08:00", timezone="Europe/Berlin"))
    setup.store.close()
    setup.briefer.close()


async def test_a_live_attempt_is_never_resumed_by_another_scheduler(tmp_path, database_url):
    """The race behind the flaky two-process test, made deterministic: a second scheduler
    finds the digest the first one claimed and is still sending (unfinished, attempt 1).
    Its lease is fresh, so the second leaves it alone, however often it looks."""
    from bot.digest_lease import LEASE_SECONDS

    clock = FakeClock(MORNING - timedelta(minutes=5))
    await _morning_schedule(tmp_path, clock, database_url)
    clock.set(MORNING + timedelta(seconds=1))
    channel = KeyedChannel()
    held = HeldDeliverer(channel)
    first, first_sched = _process(tmp_path, clock, database_url, held)
    other = RecordingDeliverer("discord")
    second, second_sched = _process(tmp_path, clock, database_url, other)
    try:
        sending = asyncio.create_task(first_sched.run_due(CHANNEL.key))
        await asyncio.wait_for(held.in_flight.wait(), 30)
        row = second.store.digest(CHANNEL.key, "2026-06-01")
        assert (row.status, row.attempts, row.sent_count) == ("sending", 1, 0)
        assert await second_sched.run_due(CHANNEL.key) == "done"
        clock.advance(seconds=LEASE_SECONDS - 1)  # still within the lease
        assert await second_sched.run_due(CHANNEL.key) == "done"
        assert other.prepared == [] and other.sent == []
        assert second.store.digest(CHANNEL.key, "2026-06-01").attempts == 1  # untouched
        held.release.set()
        assert await sending == "posted"
        assert await second_sched.run_due(CHANNEL.key) == "done"
        row = second.store.digest(CHANNEL.key, "2026-06-01")
        assert (row.status, row.attempts, row.sent_count) == ("posted", 1, 3)
        assert channel.attempts == [f"{row.delivery_key}.{i}" for i in range(3)]  # each sent once
        assert other.sent == []
    finally:
        _close(first, second)


async def _lease_renewed(store, since: datetime, timeout: float = 30.0) -> None:
    """Wait (in real time) until the owner's heartbeat has renewed its lease at ``since`` or
    later: a fixed sleep would race the heartbeat on a loaded machine."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        row = store.digest(CHANNEL.key, "2026-06-01")
        seen = row.attempt_seen_at if row is not None else None
        if seen is not None and _naive(seen) >= _naive(since):
            return
        assert asyncio.get_running_loop().time() < deadline, f"the lease was not renewed (last {seen})"
        await asyncio.sleep(0.05)


def _naive(moment: datetime) -> datetime:
    """UTC without a zone: SQLite gives stored times back naive, PostgreSQL aware."""
    return moment if moment.tzinfo is None else moment.astimezone(timezone.utc).replace(tzinfo=None)


async def test_a_live_attempt_past_the_grace_period_is_not_given_up(tmp_path, database_url):
    """A digest still being sent when the grace period runs out (a slow platform) holds a
    live lease: another scheduler's sweep must not mark it failed, or its stories would
    be sent again in the next digest. The owner finishes it, every message once."""
    clock = FakeClock(MORNING - timedelta(minutes=5))
    await _morning_schedule(tmp_path, clock, database_url)
    clock.set(MORNING + timedelta(seconds=1))
    channel = KeyedChannel()
    held = HeldDeliverer(channel)
    first, first_sched = _process(tmp_path, clock, database_url, held, lease_seconds=6)
    other = RecordingDeliverer("discord")
    second, second_sched = _process(tmp_path, clock, database_url, other, lease_seconds=6)
    try:
        sending = asyncio.create_task(first_sched.run_due(CHANNEL.key))
        await asyncio.wait_for(held.in_flight.wait(), 30)
        clock.advance(hours=2)  # far beyond the one-hour grace period
        await _lease_renewed(second.store, clock.now())  # by the owner's heartbeat
        assert await second_sched.run_due(CHANNEL.key) == "done"
        row = second.store.digest(CHANNEL.key, "2026-06-01")
        assert (row.status, row.attempts) == ("sending", 1), row.error
        held.release.set()
        assert await sending == "posted"
        row = second.store.digest(CHANNEL.key, "2026-06-01")
        assert (row.status, row.sent_count) == ("posted", 3)
        assert channel.attempts == [f"{row.delivery_key}.{i}" for i in range(3)]
        assert other.sent == []
    finally:
        _close(first, second)


async def test_an_attempt_whose_owner_died_is_resumed_once_its_lease_runs_out(tmp_path, database_url):
    """The first scheduler is 'killed' with its first message delivered: its lease stays
    as it was. The second leaves the digest alone while the lease is fresh and resumes it,
    from the second message, as soon as it is stale."""
    from bot.digest_lease import LEASE_SECONDS

    clock = FakeClock(MORNING - timedelta(minutes=5))
    await _morning_schedule(tmp_path, clock, database_url)
    clock.set(MORNING + timedelta(seconds=1))
    channel = KeyedChannel()
    dead, dead_sched = _process(tmp_path, clock, database_url, DyingDeliverer(channel, ("after", 0)))
    heir, heir_sched = _process(tmp_path, clock, database_url, DyingDeliverer(channel))
    try:
        with pytest.raises(KeyboardInterrupt):
            await dead_sched.run_due(CHANNEL.key)
        _close(dead)
        assert await heir_sched.run_due(CHANNEL.key) == "done"
        clock.advance(seconds=LEASE_SECONDS - 1)
        assert await heir_sched.run_due(CHANNEL.key) == "done"
        row = heir.store.digest(CHANNEL.key, "2026-06-01")
        assert (row.status, row.attempts, row.sent_count) == ("sending", 1, 0)
        clock.advance(seconds=2)  # the lease has run out
        assert await heir_sched.run_due(CHANNEL.key) == "posted"
        row = heir.store.digest(CHANNEL.key, "2026-06-01")
        assert (row.status, row.attempts, row.sent_count) == ("posted", 2, 3)
        assert [m["part"] for m in channel.messages.values()] == [0, 1, 2]
        assert channel.attempts == [f"{row.delivery_key}.{i}" for i in (0, 0, 1, 2)]  # the one in flight, again
    finally:
        _close(heir)


async def test_a_started_scheduler_resumes_a_dead_owners_digest_when_its_lease_runs_out(tmp_path, database_url):
    """Real time, a short lease: the survivor's start-up finds the lease fresh and leaves the
    digest, then looks again when the lease runs out (not at some later sweep) and resumes it."""
    from bot.core.clock import SystemClock

    clock = SystemClock()
    now = clock.now()
    due = now - timedelta(minutes=1)
    setup = open_store(database_url)
    setup.set_schedule(CHANNEL.key, hour=due.hour, minute=due.minute, tz="UTC", days="*", now=now - timedelta(hours=1))
    setup.close()
    channel = KeyedChannel()
    dead, dead_sched = _process(tmp_path, clock, database_url, DyingDeliverer(channel, ("before", 1)), lease_seconds=2)
    heir, heir_sched = _process(tmp_path, clock, database_url, DyingDeliverer(channel), lease_seconds=2)
    try:
        with pytest.raises(KeyboardInterrupt):
            await dead_sched.run_due(CHANNEL.key)
        _close(dead)
        started = time.monotonic()
        await heir_sched.start()  # its catch-up finds the lease fresh
        assert heir.store.digests(CHANNEL.key)[0].attempts == 1
        for _ in range(200):
            if heir.store.digests(CHANNEL.key)[0].status == "posted":
                break
            await asyncio.sleep(0.05)
        row = heir.store.digests(CHANNEL.key)[0]
        assert (row.status, row.attempts, row.sent_count) == ("posted", 2, 3)
        assert time.monotonic() - started < 8  # the lease (2 s) and a second, not a minute's sweep
        assert [m["part"] for m in channel.messages.values()] == [0, 1, 2]
    finally:
        await heir_sched.shutdown(timeout=1)
        _close(heir)
