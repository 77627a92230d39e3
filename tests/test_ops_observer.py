"""Typed outcomes reach the metrics of a real core (SQLite file, real engine in a thread):
commands by outcome, brief latency by cache hit/miss, worker queue depth, digests, and
feed failures by kind. Nothing here parses a message: the outcome types decide."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from bot_helpers import RecordingDeliverer, inv, open_core, rss
from httpserver import http_server  # noqa: F401
from prometheus_client import REGISTRY

from bot.core.briefs import BriefCache
from bot.ops.metrics import PrometheusObserver
from bot.scheduling import DigestScheduler, FeedPoller
from briefings.fetching import FailureKind


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels or None) or 0.0


async def test_commands_and_briefs_are_measured(tmp_path, seed_path, nlp):
    core = open_core(tmp_path, observer=PrometheusObserver())
    try:
        ok = value("briefbot_commands_total", platform="discord", command="brief", outcome="ok")
        bad = value("briefbot_commands_total", platform="discord", command="brief", outcome="invalid")
        denied = value("briefbot_commands_total", platform="discord", command="feeds add", outcome="denied")
        miss = value("briefbot_brief_seconds_count", cache="miss")
        hit = value("briefbot_brief_seconds_count", cache="hit")

        first = await core.service.handle(inv("brief", url=str(seed_path)))
        assert not first.error, first.text
        again = await core.service.handle(inv("brief", url=str(seed_path)))
        assert not again.error
        wrong = await core.service.handle(inv("brief", url="ftp://nowhere"))
        assert wrong.error
        refused = await core.service.handle(inv("feeds add", manage=False, url="https://example.com/rss"))
        assert refused.error

        assert value("briefbot_commands_total", platform="discord", command="brief", outcome="ok") == ok + 2
        assert value("briefbot_commands_total", platform="discord", command="brief", outcome="invalid") == bad + 1
        assert value("briefbot_commands_total", platform="discord", command="feeds add", outcome="denied") == denied + 1
        assert value("briefbot_brief_seconds_count", cache="miss") == miss + 1
        assert value("briefbot_brief_seconds_count", cache="hit") == hit + 1
        assert value("briefbot_worker_queue_depth") == 0
    finally:
        await core.aclose()


async def test_queue_depth_counts_briefs_in_the_pool(tmp_path, seed_path):
    from briefings.loading import load_path

    class SlowBriefer:
        def __init__(self) -> None:
            self.release = asyncio.Event()

        async def brief(self, articles, sentences):
            await self.release.wait()
            raise RuntimeError("not briefed")

    core = open_core(tmp_path)
    try:
        briefer = SlowBriefer()
        cache = BriefCache(core.store, briefer, core.clock, observer=PrometheusObserver())
        article = load_path(str(seed_path))[0]
        articles = [replace(article, text=f"{article.text} Text {i}.") for i in range(3)]
        before = value("briefbot_worker_queue_depth")
        task = asyncio.create_task(cache.briefs(articles))
        await asyncio.sleep(0.1)
        assert value("briefbot_worker_queue_depth") == before + 3
        briefer.release.set()
        await asyncio.gather(task, return_exceptions=True)
        assert value("briefbot_worker_queue_depth") == before
    finally:
        await core.aclose()


async def test_a_posted_digest_is_counted(tmp_path):
    core = open_core(tmp_path)
    try:
        scheduler = DigestScheduler(
            core.store, core.service, core.clock, grace_seconds=3600, observer=PrometheusObserver()
        )
        scheduler.register_deliverer(RecordingDeliverer())
        now = datetime.now(timezone.utc)
        due = now - timedelta(minutes=1)
        core.store.set_schedule(
            "discord:100", hour=due.hour, minute=due.minute, tz="UTC", days="*", now=now - timedelta(minutes=10)
        )
        posted = value("briefbot_digests_posted_total", platform="discord")
        claimed = value("briefbot_digest_events_total", platform="discord", event="claimed")
        assert await scheduler.run_due("discord:100") == "posted"
        assert await scheduler.run_due("discord:100") == "done"
        assert value("briefbot_digests_posted_total", platform="discord") == posted + 1
        assert value("briefbot_digest_events_total", platform="discord", event="claimed") == claimed + 1
    finally:
        await core.aclose()


async def test_a_timeout_a_404_and_a_non_feed_count_as_three_kinds(tmp_path, http_server):
    """Real polls of three broken feeds over HTTP: each failure is counted under the kind its
    ``FetchError`` class carries, not guessed from the error's wording."""
    http_server.route("/slow.xml", rss("Slow", []), delay=3, content_type="application/rss+xml")
    http_server.route("/gone.xml", "Not here", status=404, content_type="text/plain")
    http_server.route(
        "/page.xml", "<html><body><p>A page, not a feed.</p></body></html>", content_type="text/html; charset=utf-8"
    )
    core = open_core(tmp_path)
    try:
        now = core.clock.now()
        for path in ("/slow.xml", "/gone.xml", "/page.xml"):
            core.store.subscribe(
                "discord:100",
                http_server.url(path),
                title=None,
                entries=[],
                etag=None,
                last_modified=None,
                now=now,
                next_poll_at=now,
            )
        quick = replace(core.sources, policy=replace(core.sources.policy, timeout=1.0))
        poller = FeedPoller(
            core.store, quick, core.cache, core.clock, interval_seconds=60, observer=PrometheusObserver()
        )
        kinds = (FailureKind.TIMEOUT, FailureKind.HTTP_STATUS, FailureKind.NOT_A_FEED)
        before = {k: value("briefbot_feed_failures_total", kind=k) for k in kinds}
        errors = value("briefbot_feed_fetches_total", outcome="error")
        results = {r.url.rsplit("/", 1)[1]: r for r in await poller.poll_due()}
        assert {name: r.kind for name, r in results.items()} == {
            "slow.xml": "timeout",
            "gone.xml": "http_status",
            "page.xml": "not_a_feed",
        }
        for kind in kinds:
            assert value("briefbot_feed_failures_total", kind=kind) == before[kind] + 1, kind
        assert value("briefbot_feed_fetches_total", outcome="error") == errors + 3
    finally:
        await core.aclose()
