"""Feeds that say when they break: failing, recovered and paused notices, each posted once
per channel, across restarts and with two schedulers on one database."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from bot.core.clock import FakeClock
from bot.core.feed_health import failure_cause
from bot.scheduling import DigestScheduler, FeedPoller
from briefings.feeds import FeedError
from briefings.fetching import ConnectError, FetchTimeout, HTTPStatusError, RefusedURL
from bot_helpers import CHANNEL, OTHER, FeedSite, RecordingDeliverer, inv, open_core
from httpserver import http_server  # noqa: F401

T0 = datetime(2026, 5, 4, 7, 0, tzinfo=timezone.utc)


class Bot:
    """One process: a core on the shared database file, its poller, scheduler and deliverers."""

    def __init__(self, tmp_path, clock) -> None:
        self.core = open_core(tmp_path, clock)
        poller = FeedPoller(
            self.core.store,
            self.core.sources,
            self.core.cache,
            clock,
            interval_seconds=self.core.settings.feed_poll_seconds,
        )
        self.sched = DigestScheduler(
            self.core.store,
            self.core.service,
            clock,
            grace_seconds=self.core.settings.digest_grace_seconds,
            poller=poller,
        )
        self.discord, self.slack = RecordingDeliverer("discord"), RecordingDeliverer("slack")
        self.sched.register_deliverer(self.discord)
        self.sched.register_deliverer(self.slack)

    @property
    def notices(self) -> list[tuple[str, str]]:
        return [(ch.key, r.text.split(":", 1)[0]) for d in (self.discord, self.slack) for ch, r in d.sent]

    def close(self) -> None:
        self.core.store.close()
        self.core.briefer.close()


@pytest.fixture
def clock():
    return FakeClock(T0)


@pytest.fixture
def bots(tmp_path, clock, nlp):
    made: list[Bot] = []

    def make() -> Bot:
        made.append(Bot(tmp_path, clock))
        return made[-1]

    yield make
    for b in made:
        b.close()


async def run_for(bot: Bot, clock: FakeClock, hours: float, step_minutes: int = 30) -> None:
    end = clock.now() + timedelta(hours=hours)
    while clock.now() < end:
        clock.advance(minutes=step_minutes)
        await bot.sched.poll_tick()


async def setup(bot: Bot, http_server) -> FeedSite:
    site = FeedSite(http_server)
    site.add_story(1)
    for ch in (CHANNEL, OTHER):
        assert not (await bot.core.service.handle(inv("feeds add", channel=ch, url=site.url))).error
    return site


def break_feed(http_server, site, status=500):
    http_server.route(site.path, "down for maintenance", status=status, content_type="text/plain")


async def test_failing_then_recovered_notices_once_per_channel_across_a_restart(bots, clock, http_server):
    bot = bots()
    site = await setup(bot, http_server)
    break_feed(http_server, site)
    await run_for(bot, clock, 23)
    assert bot.notices == []  # not yet a day
    await run_for(bot, clock, 2)
    assert sorted(bot.notices) == [(CHANNEL.key, "Feed trouble"), (OTHER.key, "Feed trouble")]
    text = bot.discord.sent[0][1].text
    assert site.url in text and "500" in text and "publisher" in text
    await run_for(bot, clock, 12)
    assert len(bot.notices) == 2  # never twice
    listing = (await bot.core.service.handle(inv("feeds list"))).text
    assert "failing since" in listing

    bot.close()
    again = bots()  # a restart on the same database
    await run_for(again, clock, 12)
    assert again.notices == []
    site.publish()  # the feed works again
    await run_for(again, clock, 7)
    assert sorted(again.notices) == [(CHANNEL.key, "Feed back"), (OTHER.key, "Feed back")]
    assert "working" in (await again.core.service.handle(inv("feeds list"))).text
    again.close()
    third = bots()
    await run_for(third, clock, 6)
    assert third.notices == []


async def test_a_short_outage_posts_nothing(bots, clock, http_server):
    bot = bots()
    site = await setup(bot, http_server)
    break_feed(http_server, site)
    await run_for(bot, clock, 10)
    site.publish()
    await run_for(bot, clock, 8)
    assert bot.notices == []


async def test_a_feed_gone_for_a_week_is_paused_with_a_notice(bots, clock, http_server):
    bot = bots()
    site = await setup(bot, http_server)
    break_feed(http_server, site, status=404)
    await run_for(bot, clock, 24 * 7 + 7, step_minutes=60)
    kinds = sorted(k for _, k in bot.notices)
    assert kinds == ["Feed paused", "Feed paused", "Feed trouble", "Feed trouble"]
    paused_text = next(r.text for _, r in bot.discord.sent if r.text.startswith("Feed paused"))
    assert "/feeds add" in paused_text and "404" in paused_text
    trouble = next(r.text for _, r in bot.discord.sent if r.text.startswith("Feed trouble"))
    assert "new address" in trouble  # who can fix it: a manager, with the feed's new address
    requests = len(http_server.requests_to(site.path))
    await run_for(bot, clock, 24, step_minutes=60)
    assert len(http_server.requests_to(site.path)) == requests  # no longer polled
    assert len(bot.notices) == 4
    assert "paused since" in (await bot.core.service.handle(inv("feeds list"))).text

    bot.close()
    bot = bots()  # restart: still paused, nothing posted again
    await run_for(bot, clock, 12, step_minutes=60)
    assert bot.notices == [] and len(http_server.requests_to(site.path)) == requests

    site.publish()  # back: a manager adds it again
    reply = await bot.core.service.handle(inv("feeds add", url=site.url))
    assert "polled again" in reply.text
    await run_for(bot, clock, 1)
    assert len(http_server.requests_to(site.path)) > requests + 1
    assert sorted(bot.notices) == [(CHANNEL.key, "Feed back"), (OTHER.key, "Feed back")]


async def test_two_schedulers_on_one_database_post_each_notice_once(bots, clock, http_server):
    one, two = bots(), bots()
    site = await setup(one, http_server)
    break_feed(http_server, site)
    await run_for(one, clock, 25)
    assert len(one.core.store.feed_notices()) == 2
    # a new episode: recover, fail again; a day later both replicas find its notices due at once
    site.publish()
    await run_for(one, clock, 7)
    one.discord.sent.clear(), one.slack.sent.clear()
    break_feed(http_server, site)
    await run_for(one, clock, 1)
    clock.advance(hours=25)
    await asyncio.gather(one.sched.health.notify(one.sched.deliverers), two.sched.health.notify(two.sched.deliverers))
    failing = [n for n in one.notices + two.notices if n[1] == "Feed trouble"]
    assert sorted(failing) == [(CHANNEL.key, "Feed trouble"), (OTHER.key, "Feed trouble")]
    assert len(one.core.store.feed_notices()) == 6  # failing, recovered, failing again: per channel


@pytest.mark.parametrize(
    "exc, cause",
    [
        (HTTPStatusError("http://x/", "404", 404), "gone"),
        (HTTPStatusError("http://x/", "410", 410), "gone"),
        (FeedError("http://x/", "not an RSS or Atom feed"), "gone"),
        (HTTPStatusError("http://x/", "403", 403), "refused"),
        (RefusedURL("http://10.0.0.1/", "private"), "refused"),
        (HTTPStatusError("http://x/", "503", 503), "down"),
        (FetchTimeout("http://x/", "timed out"), "down"),
        (ConnectError("http://x/", "refused"), "down"),
        (None, "down"),
    ],
)
def test_failure_causes(exc, cause):
    assert failure_cause(exc) == cause


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_stores(request, tmp_path):
    """Two replicas' stores on one database (a SQLite file, or a fresh PostgreSQL database)."""
    from bot.storage import open_store

    if request.param == "sqlite":
        urls = [f"sqlite:///{tmp_path}/data/bot.db"]
    else:
        from ops_postgres import fresh_database

        urls = fresh_database()
    for url in urls:
        a, b = open_store(url), open_store(url)
        yield a, b
        a.close()
        b.close()


def test_a_notice_is_claimed_by_one_replica_only(two_stores):
    from concurrent.futures import ThreadPoolExecutor

    from bot.storage.db import NewEntry

    a, b = two_stores
    feed, _ = a.subscribe(
        "discord:1",
        "http://f/rss",
        title="F",
        entries=[NewEntry("x", None, None)],
        etag=None,
        last_modified=None,
        now=T0,
        next_poll_at=T0,
    )
    a.subscribe(
        "slack:C2", "http://f/rss", title="F", entries=[], etag=None, last_modified=None, now=T0, next_poll_at=T0
    )
    a.record_feed_health(feed.id, ok=False, now=T0, cause="down")
    later = T0 + timedelta(hours=25)
    due_a, due_b = a.notices_due(later, timedelta(hours=24)), b.notices_due(later, timedelta(hours=24))
    assert sorted(n.channel for n in due_a) == ["discord:1", "slack:C2"] and due_a == due_b
    with ThreadPoolExecutor(4) as pool:
        claims = list(
            pool.map(lambda args: args[0].claim_notice(args[1], later), [(s, n) for n in due_a for s in (a, b)])
        )
    assert sum(c is not None for c in claims) == 2  # one per channel, whoever won
    assert b.notices_due(later, timedelta(hours=24)) == []
    # a success ends the episode; only channels that got the failing notice get "recovered"
    b.record_feed_health(feed.id, ok=True, now=later)
    assert sorted(n.kind for n in a.notices_due(later, timedelta(hours=24))) == ["recovered", "recovered"]
    assert a.feed_states([feed.id])[feed.id].state == "ok"
