"""Feed polling and digest posting with an injected clock, plus one real-time firing."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from bot.core.clock import FakeClock, SystemClock
from bot.scheduling import MAX_ATTEMPTS, DigestScheduler, FeedPoller
from bot.core.timing import make_trigger
from bot_helpers import CHANNEL, OTHER, FeedSite, RecordingDeliverer, inv, open_core
from httpserver import http_server  # noqa: F401

T0 = datetime(2026, 5, 4, 7, 0, tzinfo=timezone.utc)  # a Monday


def wire(core, **kw):
    poller = FeedPoller(
        core.store, core.sources, core.cache, core.clock, interval_seconds=core.settings.feed_poll_seconds, **kw
    )
    sched = DigestScheduler(
        core.store, core.service, core.clock, grace_seconds=core.settings.digest_grace_seconds, poller=poller
    )
    return poller, sched


@pytest.fixture
def core(tmp_path, nlp):
    c = open_core(tmp_path, FakeClock(T0))
    yield c
    c.store.close()
    c.briefer.close()


async def test_polling_digest_and_brief_once_for_two_channels(core, http_server):
    site = FeedSite(http_server)
    site.add_story(1)
    site.add_story(2)
    poller, sched = wire(core)
    discord, slack = RecordingDeliverer("discord"), RecordingDeliverer("slack")
    sched.register_deliverer(discord)
    sched.register_deliverer(slack)
    for ch in (CHANNEL, OTHER):
        assert not (await core.service.handle(inv("feeds add", channel=ch, url=site.url))).error
        await core.service.handle(inv("schedule set", channel=ch, time="08:00", timezone="UTC"))

    core.clock.advance(seconds=61)
    (result,) = await poller.poll_due()
    assert result.not_modified
    assert http_server.requests_to("/feed.xml")[-1].header("If-None-Match") == f'"v{site.version}"'

    site.add_story(3)
    core.clock.advance(seconds=30)
    assert await poller.poll_due() == []  # not due yet
    core.clock.advance(seconds=31)
    (result,) = await poller.poll_due()
    assert result.new == 1
    assert core.briefer.articles_briefed == 1  # story 3 only, for both channels

    core.clock.set(datetime(2026, 5, 4, 8, 0, 1, tzinfo=timezone.utc))
    assert await sched.run_due(CHANNEL.key) == "posted"
    assert await sched.run_due(OTHER.key) == "posted"
    assert await sched.run_due(CHANNEL.key) == "done"
    for d in (discord, slack):
        (sent,) = d.sent
        (card,) = sent[1].cards
        assert "plan number 3" in card.title and card.summary and card.speakers
    assert core.briefer.articles_briefed == 1  # the digests used the cache

    core.clock.set(datetime(2026, 5, 5, 8, 0, 1, tzinfo=timezone.utc))
    assert await sched.run_due(CHANNEL.key) == "posted"
    assert discord.sent[1][1].cards == () and "nothing new" in discord.sent[1][1].text
    digests = core.store.digests(CHANNEL.key)
    assert [(d.local_date, d.status, d.article_count) for d in digests] == [
        ("2026-05-04", "posted", 1),
        ("2026-05-05", "posted", 0),
    ]


async def test_digest_now_previews_without_consuming(core, http_server):
    site = FeedSite(http_server)
    site.add_story(1)
    poller, sched = wire(core)
    d = RecordingDeliverer("discord")
    sched.register_deliverer(d)
    await core.service.handle(inv("feeds add", url=site.url))
    await core.service.handle(inv("schedule set", time="08:00", timezone="UTC"))
    site.add_story(4)
    core.clock.advance(minutes=2)
    await poller.poll_due()
    preview = await core.service.handle(inv("digest", manage=False))
    assert len(preview.cards) == 1 and "plan number 4" in preview.cards[0].title
    core.clock.set(datetime(2026, 5, 4, 8, 0, 1, tzinfo=timezone.utc))
    assert await sched.run_due(CHANNEL.key) == "posted"
    assert "plan number 4" in d.sent[0][1].cards[0].title
    after = await core.service.handle(inv("digest"))
    assert after.cards == () and "nothing new" in after.text


async def test_failing_feed_backs_off_and_recovers(core, http_server):
    site = FeedSite(http_server)
    site.add_story(1)
    poller, _ = wire(core)
    await core.service.handle(inv("feeds add", url=site.url))
    http_server.route("/feed.xml", "oops", status=500, content_type="text/plain")
    core.clock.advance(seconds=61)
    (r,) = await poller.poll_due()
    assert r.error and "500" in r.error
    feed = core.store.feed_by_url(site.url)
    assert feed.failures == 1 and feed.next_poll_at == core.clock.now() + timedelta(seconds=120)
    listed = await core.service.handle(inv("feeds list"))
    assert "last error" in listed.text and "500" in listed.text
    core.clock.advance(seconds=119)
    assert await poller.poll_due() == []
    core.clock.advance(seconds=2)
    await poller.poll_due()
    feed = core.store.feed_by_url(site.url)
    assert feed.failures == 2 and feed.next_poll_at == core.clock.now() + timedelta(seconds=240)
    assert poller.backoff(30) == timedelta(hours=6)
    site.publish()
    core.clock.advance(seconds=241)
    (r,) = await poller.poll_due()
    assert r.error is None
    feed = core.store.feed_by_url(site.url)
    assert (feed.failures, feed.last_error) == (0, None)


async def test_backlog_of_new_feed_is_not_flooded(core, http_server):
    site = FeedSite(http_server)
    for n in range(1, 6):
        site.add_story(n)
    poller, sched = wire(core)
    d = RecordingDeliverer("discord")
    sched.register_deliverer(d)
    await core.service.handle(inv("feeds add", url=site.url))
    await core.service.handle(inv("schedule set", time="08:00", timezone="UTC"))
    site.publish()  # new ETag, same entries
    core.clock.advance(minutes=2)
    (r,) = await poller.poll_due()
    assert r.new == 0 and core.briefer.articles_briefed == 0
    core.clock.set(datetime(2026, 5, 4, 8, 0, 1, tzinfo=timezone.utc))
    assert await sched.run_due(CHANNEL.key) == "posted"
    assert d.sent[0][1].cards == ()


async def test_per_host_cap(core, http_server):
    active, peak, lock = [0], [0], threading.Lock()
    site = FeedSite(http_server)
    site.add_story(1)
    body = http_server._find("GET", "/feed.xml")

    def slow(request):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.15)
        with lock:
            active[0] -= 1
        return body(request)

    for i in range(5):
        http_server.handle(f"/f{i}.xml", slow)
        await core.service.handle(inv("feeds add", url=http_server.url(f"/f{i}.xml")))
    peak[0] = 0
    poller, _ = wire(core, per_host=2)
    core.clock.advance(minutes=2)
    results = await poller.poll_due()
    assert len(results) == 5 and peak[0] == 2


async def test_failed_delivery_is_recorded_and_stories_roll_over(core, http_server):
    site = FeedSite(http_server)
    site.add_story(1)
    poller, sched = wire(core)
    broken = RecordingDeliverer("discord", fail=True)
    sched.register_deliverer(broken)
    await core.service.handle(inv("feeds add", url=site.url))
    await core.service.handle(inv("schedule set", time="08:00", timezone="UTC"))
    site.add_story(5)
    core.clock.advance(minutes=2)
    await poller.poll_due()
    core.clock.set(datetime(2026, 5, 4, 8, 0, 1, tzinfo=timezone.utc))
    # Each sweep retries within the grace period, until the last attempt gives up.
    assert [await sched.run_due(CHANNEL.key) for _ in range(MAX_ATTEMPTS)] == ["retrying"] * (MAX_ATTEMPTS - 1) + [
        "failed"
    ]
    row = core.store.digest(CHANNEL.key, "2026-05-04")
    assert (row.status, row.attempts, row.sent_count) == ("failed", MAX_ATTEMPTS, 0)
    assert "platform refused" in row.error
    assert await sched.run_due(CHANNEL.key) == "done"  # never twice a day, even after a failure
    # /digest does not call the undelivered story "nothing new"
    preview = await core.service.handle(inv("digest"))
    assert "nothing new" not in preview.text and "plan number 5" in preview.cards[0].title
    broken.fail = False
    core.clock.set(datetime(2026, 5, 5, 8, 0, 1, tzinfo=timezone.utc))
    assert await sched.run_due(CHANNEL.key) == "posted"
    assert "plan number 5" in broken.sent[0][1].cards[0].title


async def test_a_failed_attempt_is_retried_with_the_same_messages_and_keys(core, http_server):
    site = FeedSite(http_server)
    poller, sched = wire(core)
    flaky = RecordingDeliverer("discord", fail=True)
    sched.register_deliverer(flaky)
    await core.service.handle(inv("feeds add", url=site.url))
    await core.service.handle(inv("schedule set", time="08:00", timezone="UTC"))
    site.add_story(7)
    core.clock.advance(minutes=2)
    await poller.poll_due()
    core.clock.set(datetime(2026, 5, 4, 8, 0, 1, tzinfo=timezone.utc))
    assert await sched.run_due(CHANNEL.key) == "retrying"
    assert core.store.digest(CHANNEL.key, "2026-05-04").status == "sending"
    flaky.fail = False
    core.clock.advance(minutes=1)
    assert await sched.run_due(CHANNEL.key) == "posted"
    assert len(flaky.prepared) == 1  # built once: the retry sent the stored messages
    row = core.store.digest(CHANNEL.key, "2026-05-04")
    assert flaky.keys == [f"{row.delivery_key}.0"]
    assert (row.status, row.attempts, row.sent_count, row.message_count) == ("posted", 2, 1, 1)


class SecondsScheduler(DigestScheduler):
    """Fires at a given second too, so a real-time test need not wait for a new minute."""

    at: datetime

    def trigger_for(self, schedule):
        return make_trigger(self.at.hour, self.at.minute, "UTC", "*", second=self.at.second)


async def test_real_time_schedule_fires(tmp_path, nlp):
    core = open_core(tmp_path, SystemClock())
    try:
        sched = SecondsScheduler(core.store, core.service, core.clock, grace_seconds=3600)
        d = RecordingDeliverer("discord")
        sched.register_deliverer(d)
        at = (datetime.now(timezone.utc) + timedelta(seconds=2)).replace(microsecond=0)
        sched.at = at
        await core.service.handle(inv("schedule set", time=f"{at:%H:%M}", timezone="UTC"))
        await sched.start()
        assert sched.next_run(CHANNEL.key) == at
        for _ in range(60):
            if d.sent:
                break
            await asyncio.sleep(0.1)
        assert len(d.sent) == 1 and "Daily digest" in d.sent[0][1].text
        digest = core.store.digest(CHANNEL.key, at.date().isoformat())
        assert digest.status == "posted" and digest.scheduled_for == at
        await sched.shutdown()
    finally:
        core.store.close()
        core.briefer.close()


async def test_digest_of_several_stories_merges_who_said_what(core, http_server):
    site = FeedSite(http_server)
    site.add_story(1)
    poller, sched = wire(core)
    d = RecordingDeliverer("discord")
    sched.register_deliverer(d)
    await core.service.handle(inv("feeds add", url=site.url))
    await core.service.handle(inv("schedule set", time="08:00", timezone="UTC"))
    site.add_story(3)  # quotes Samuel Okafor and Maria Lopez
    site.add_story(4)  # quotes Maria Lopez and Tom Becker
    core.clock.advance(minutes=2)
    (r,) = await poller.poll_due()
    assert r.new == 2
    core.clock.set(datetime(2026, 5, 4, 8, 0, 1, tzinfo=timezone.utc))
    assert await sched.run_due(CHANNEL.key) == "posted"
    reply = d.sent[0][1]
    assert "2 new stories" in reply.text
    *stories, merged = reply.cards
    assert len(stories) == 2 and merged.title == "Who said what across these stories"
    lopez = [sp for sp in merged.speakers if sp.name == "Maria Lopez"]
    assert len(lopez) == 1
    assert {q.story for q in lopez[0].quotes} == {c.title for c in stories}


async def test_an_unreadable_new_story_does_not_shift_the_others_briefs(core, http_server):
    """A new entry with no text (empty description, dead link) sits before a readable one:
    each entry must keep its own story, and the dead one must still be listed."""
    site = FeedSite(http_server)
    site.add_story(1)
    poller, sched = wire(core)
    d = RecordingDeliverer("discord")
    sched.register_deliverer(d)
    await core.service.handle(inv("feeds add", url=site.url))
    await core.service.handle(inv("schedule set", time="08:00", timezone="UTC"))
    site.add_story(2)
    site.items.insert(
        0, {"guid": "story-dead", "link": http_server.url("/gone"), "title": "Dead story", "description": ""}
    )
    site.publish()
    core.clock.advance(seconds=61)
    (result,) = await poller.poll_due()
    assert result.new == 2
    core.clock.set(datetime(2026, 5, 4, 8, 0, 1, tzinfo=timezone.utc))
    assert await sched.run_due(CHANNEL.key) == "posted"
    (sent,) = d.sent
    titles = [c.title for c in sent[1].cards]
    assert "2 new stories" in sent[1].text
    assert any("Dead story" in t for t in titles), titles
    assert any("plan number 2" in t for t in titles), titles
    dead = next(c for c in sent[1].cards if "Dead story" in c.title)
    assert dead.note and not dead.summary


async def test_one_unusable_schedule_does_not_stop_the_others(core, caplog):
    """A schedule row whose zone this machine cannot load (older tzdata, an edited
    database) must not keep the scheduler from starting or other channels' digests."""
    _, sched = wire(core)
    d = RecordingDeliverer("discord")
    sched.register_deliverer(d)
    core.store.set_schedule("discord:1", hour=6, minute=0, tz="Mars/Olympus_Mons", days="*", now=T0 - timedelta(days=1))
    core.store.set_schedule(CHANNEL.key, hour=6, minute=30, tz="UTC", days="*", now=T0 - timedelta(days=1))
    try:
        await sched.start()
        assert [ref.key for ref, _ in d.sent] == [CHANNEL.key]
        assert sched.next_run(CHANNEL.key) is not None
        assert "discord:1" in caplog.text and "Mars/Olympus_Mons" in caplog.text
    finally:
        await sched.shutdown(timeout=1)


async def test_a_digest_cancelled_while_being_built_is_resumed_not_lost(core):
    """Shutdown cancels a digest still being built (late briefs can take a while): nothing
    was posted, so it stays claimed, is not counted as delivered, and the next run builds it."""
    _, sched = wire(core)
    d = RecordingDeliverer("discord")
    sched.register_deliverer(d)
    await core.service.handle(inv("schedule set", time="08:00", timezone="UTC"))
    building = asyncio.Event()

    async def slow_build(*args, **kwargs):
        building.set()
        await asyncio.sleep(3600)

    real_build = core.service.digests.build
    core.service.digests.build = slow_build
    core.clock.set(datetime(2026, 5, 4, 8, 0, 1, tzinfo=timezone.utc))
    task = asyncio.create_task(sched.run_due(CHANNEL.key))
    await building.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert d.sent == []
    (row,) = core.store.digests(CHANNEL.key)
    assert row.status == "claimed"
    assert core.store.window_start(CHANNEL.key) is None
    core.service.digests.build = real_build
    assert await sched.run_due(CHANNEL.key) == "posted"
    assert len(d.sent) == 1 and core.store.digests(CHANNEL.key)[0].attempts == 2


async def test_a_database_error_on_one_feed_does_not_fail_the_round(core, http_server):
    """One feed whose poll cannot be stored (e.g. a value PostgreSQL refuses) is counted as
    a failure and backed off; the other feeds of the round are polled and reported."""
    good, bad = FeedSite(http_server, "/good.xml"), FeedSite(http_server, "/bad.xml")
    good.add_story(1)
    bad.add_story(2)
    poller, _ = wire(core)
    for site in (good, bad):
        await core.service.handle(inv("feeds add", url=site.url))
    bad_id = core.store.feed_by_url(bad.url).id
    record_poll = core.store.record_poll

    def refusing(feed_id, **kw):
        if feed_id == bad_id:
            raise RuntimeError("value too long for type character varying(1024)")
        return record_poll(feed_id, **kw)

    core.store.record_poll = refusing
    good.add_story(3)
    bad.add_story(4)
    core.clock.advance(seconds=61)
    results = {r.url: r for r in await poller.poll_due()}
    assert results[good.url].new == 1
    assert results[bad.url].error and "RuntimeError" in results[bad.url].error
    feed = core.store.feed_by_url(bad.url)
    assert feed.failures == 1 and feed.next_poll_at > core.clock.now()
