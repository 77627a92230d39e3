"""Instrumentation of a real core (SQLite file, real engine in a thread): commands,
brief latency with cache hit/miss, worker queue depth, digests, feed fetches."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from bot_helpers import RecordingDeliverer, inv, open_core
from prometheus_client import REGISTRY

from bot.ops.instrument import instrument
from bot.scheduling import DigestScheduler, PollResult


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels or None) or 0.0


async def test_commands_and_briefs_are_measured(tmp_path, seed_path, nlp):
    core = open_core(tmp_path)
    try:
        instrument(service=core.service, briefer=core.briefer, cache=core.cache)
        instrument(service=core.service)  # twice is harmless
        ok = value("briefbot_commands_total", platform="discord", command="brief", outcome="ok")
        bad = value("briefbot_commands_total", platform="discord", command="brief", outcome="invalid")
        miss = value("briefbot_brief_seconds_count", cache="miss")
        hit = value("briefbot_brief_seconds_count", cache="hit")

        first = await core.service.handle(inv("brief", url=str(seed_path)))
        assert not first.error, first.text
        again = await core.service.handle(inv("brief", url=str(seed_path)))
        assert not again.error
        wrong = await core.service.handle(inv("brief", url="ftp://nowhere"))
        assert wrong.error

        assert value("briefbot_commands_total", platform="discord", command="brief", outcome="ok") == ok + 2
        assert value("briefbot_commands_total", platform="discord", command="brief", outcome="invalid") == bad + 1
        assert value("briefbot_brief_seconds_count", cache="miss") == miss + 1
        assert value("briefbot_brief_seconds_count", cache="hit") == hit + 1
        assert value("briefbot_worker_queue_depth") == 0
    finally:
        await core.aclose()


async def test_queue_depth_counts_briefs_in_the_pool(tmp_path):
    class SlowBriefer:
        def __init__(self) -> None:
            self.release = asyncio.Event()

        async def brief(self, articles, sentences):
            await self.release.wait()
            return []

    briefer = SlowBriefer()
    instrument(briefer=briefer)
    before = value("briefbot_worker_queue_depth")
    task = asyncio.create_task(briefer.brief(["a", "b", "c"], 3))
    await asyncio.sleep(0.05)
    assert value("briefbot_worker_queue_depth") == before + 3
    briefer.release.set()
    await task
    assert value("briefbot_worker_queue_depth") == before


async def test_a_posted_digest_is_counted(tmp_path):
    core = open_core(tmp_path)
    try:
        scheduler = DigestScheduler(core.store, core.service, core.clock, grace_seconds=3600)
        deliverer = RecordingDeliverer()
        scheduler.register_deliverer(deliverer)
        instrument(scheduler=scheduler)
        now = datetime.now(timezone.utc)
        due = now - timedelta(minutes=1)
        core.store.set_schedule("discord:100", hour=due.hour, minute=due.minute, tz="UTC", days="*",
                                now=now - timedelta(minutes=10))
        posted = value("briefbot_digests_posted_total", platform="discord")
        assert await scheduler.run_due("discord:100") == "posted"
        assert await scheduler.run_due("discord:100") == "done"
        assert len(deliverer.sent) == 1
        assert value("briefbot_digests_posted_total", platform="discord") == posted + 1
    finally:
        await core.aclose()


async def test_feed_polls_are_counted_by_outcome():
    class Poller:
        async def poll(self, feed):
            return PollResult(feed, error="HTTP 404 from the feed" if "bad" in feed else None)

    poller = Poller()
    instrument(poller=poller)
    ok, err = value("briefbot_feed_fetches_total", outcome="ok"), value("briefbot_feed_fetches_total", outcome="error")
    http = value("briefbot_feed_failures_total", kind="http")
    await poller.poll("https://good.example/feed")
    await poller.poll("https://bad.example/feed")
    assert value("briefbot_feed_fetches_total", outcome="ok") == ok + 1
    assert value("briefbot_feed_fetches_total", outcome="error") == err + 1
    assert value("briefbot_feed_failures_total", kind="http") == http + 1
