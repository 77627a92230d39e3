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
        self.scheduler = DigestScheduler(self.core.store, self.core.service, clock,
                                         grace_seconds=self.core.settings.digest_grace_seconds)
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


@pytest.mark.parametrize("down_for, posted", [(timedelta(minutes=50), 1), (timedelta(minutes=70), 0)],
                         ids=["inside-grace", "outside-grace"])
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


async def test_crash_while_posting_is_never_reposted(tmp_path):
    clock = FakeClock(MORNING - timedelta(minutes=5))
    await schedule_morning(tmp_path, clock)
    clock.set(MORNING + timedelta(seconds=1))

    class DiesMidPost(RecordingDeliverer):
        async def deliver(self, channel, reply):
            raise KeyboardInterrupt  # stands for the process dying inside the platform call

    crashing = Bot(tmp_path, clock, DiesMidPost("discord"))
    with pytest.raises(KeyboardInterrupt):
        await crashing.scheduler.run_due(CHANNEL.key)
    crashing.core.store.close()
    assert open_store(crashing.core.settings.database_url).digest(CHANNEL.key, "2026-06-01").status == "posting"

    clock.advance(minutes=10)
    restarted = await Bot(tmp_path, clock).start()
    try:
        assert restarted.deliverer.sent == []  # at most once: a possibly-posted digest is not redone
        assert restarted.core.store.digest(CHANNEL.key, "2026-06-01").status == "posting"
    finally:
        await restarted.stop()


async def test_no_deliverer_leaves_digest_for_the_platform_that_serves_it(tmp_path):
    clock = FakeClock(MORNING - timedelta(minutes=5))
    await schedule_morning(tmp_path, clock)
    clock.set(MORNING + timedelta(minutes=1))
    slack_only = Bot(tmp_path, clock, RecordingDeliverer("slack"))
    assert await slack_only.scheduler.run_due(CHANNEL.key) == "no-deliverer"
    assert slack_only.core.store.digests() == []
    await slack_only.stop()


def _console(env, stdin=subprocess.PIPE):
    return subprocess.Popen([sys.executable, "-m", "bot.console"], cwd=env["HOME"], env=env, stdin=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_sigkilled_console_posts_missed_digest_once(tmp_path):
    """A real process: the digest missed 10 minutes ago is posted at start, once, across SIGKILL."""
    db = tmp_path / "data" / "briefbot.db"
    env = {**os.environ, "HOME": str(tmp_path), "DATABASE_URL": f"sqlite:///{db}",
           "PYTHONPATH": str(ROOT), "FEED_POLL_SECONDS": "3600"}
    env.pop("DISCORD_TOKEN", None)
    now = datetime.now(timezone.utc)
    due = (now - timedelta(minutes=10)).replace(second=0, microsecond=0)
    store = open_store(f"sqlite:///{db}")
    store.set_schedule("console:local", hour=due.hour, minute=due.minute, tz="UTC", days="*",
                       now=now - timedelta(hours=2))
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

    second = subprocess.run([sys.executable, "-m", "bot.console"], cwd=tmp_path, env=env,
                            input="/schedule show\n/quit\n", capture_output=True, text=True, timeout=60)
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
