"""A scheduled digest for a Slack channel, posted by the real scheduler at its time.

Everything is real (APScheduler, the feed poller, SQLite, fetching, briefing, the Slack
deliverer's chat.postMessage) except one seam: schedules are whole minutes, so the
scheduler here fires at a chosen *second* of that minute, a few seconds from now, rather
than making the test wait for the next minute to begin.
"""

from __future__ import annotations

import asyncio
import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from bot.core.interface import ChannelRef, DeliveryKey, Reply
from bot.core.timing import make_trigger
from bot.platforms.slack_render import render_reply
from bot.scheduling import DigestScheduler
from fakes.slack_api import FakeSlack, block_problems
from fakes.slack_harness import SlackHarness, html_article
from httpserver import http_server  # noqa: F401

pytestmark = pytest.mark.asyncio(loop_scope="session")

ZONE = "America/Sao_Paulo"
LEAD_SECONDS = 4  # time for the poller to see the new story before the digest fires

RSS_ITEM = """<item><title>{title}</title><link>{base}{path}</link><guid>{base}{path}</guid>
<pubDate>Mon, 02 Jan 2026 08:00:00 GMT</pubDate></item>"""
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Harbour Wire</title><link>{base}/</link><description>t</description>
{items}</channel></rss>"""


class SecondScheduler(DigestScheduler):
    """The real scheduler, firing at ``second`` past the schedule's minute."""

    second = 0

    def trigger_for(self, schedule):
        return make_trigger(schedule.hour, schedule.minute, schedule.tz, schedule.days, second=self.second)


@pytest_asyncio.fixture(loop_scope="session")
async def fake():
    fake = await FakeSlack().start()
    fake.add_user("UADMIN", admin=True)
    yield fake
    await fake.close()


def feed(base: str, *stories: tuple[str, str]) -> str:
    items = "".join(RSS_ITEM.format(title=html.escape(t), base=base, path=p) for t, p in stories)
    return RSS.format(base=base, items=items)


async def test_scheduled_digest_reaches_the_slack_channel_at_its_time(tmp_path, fake, http_server, nlp):
    base = http_server.base_url
    http_server.route("/old", html_article("Old story", ["The old story, already read."]))
    http_server.route(
        "/tunnel",
        html_article(
            "Council approves the harbour tunnel <!channel>",
            [
                "The city council on Tuesday approved the harbour tunnel, ending a debate that had run for "
                "two years and divided residents across the district.",
                '"This is the day we stop arguing and start building," said Maria Lopez, the mayor.',
                "The project is expected to cost about four billion euros and to take six years.",
            ],
        ),
    )
    http_server.route("/feed.xml", feed(base, ("Old story", "/old")), content_type="application/rss+xml")

    harness = SlackHarness(tmp_path, fake, feed_poll_seconds=1, digest_grace_seconds=60)
    try:
        await harness.start(scheduler_class=SecondScheduler)
        assert harness.scheduler.deliverers["slack"] is harness.platform.deliverer

        posted = await harness.post("/feeds", f"add {base}/feed.xml", user="UADMIN", channel="C0DIGEST")
        assert posted.status == 200
        await fake.wait_for(lambda f: f.calls_to("response_url"))
        # a new story appears; the real poller (every second) records it
        http_server.route(
            "/feed.xml",
            feed(base, ("Council approves the harbour tunnel", "/tunnel"), ("Old story", "/old")),
            content_type="application/rss+xml",
        )

        due = datetime.now(ZoneInfo(ZONE)).replace(microsecond=0) + timedelta(seconds=LEAD_SECONDS)
        SecondScheduler.second = due.second
        posted = await harness.post("/schedule", f"set {due:%H:%M} {ZONE}", user="UADMIN", channel="C0DIGEST")
        assert posted.status == 200
        await fake.wait_for(lambda f: len(f.calls_to("response_url")) >= 2)
        assert f"{due:%H:%M}" in fake.calls_to("response_url")[-1].params["text"]
        assert not fake.calls_to("chat.postMessage")  # nothing before its time

        calls = await fake.wait_for(lambda f: f.calls_to("chat.postMessage"), timeout=LEAD_SECONDS + 20)
        arrived = datetime.now(ZoneInfo(ZONE))
        assert due - timedelta(seconds=0.5) <= arrived <= due + timedelta(seconds=10)
        digest = calls[0]
        assert digest.params["channel"] == "C0DIGEST" and digest.token == fake.bot_token
        assert block_problems(digest.params["blocks"]) == []
        texts = " ".join(b["text"]["text"] for b in digest.params["blocks"] if isinstance(b.get("text"), dict))
        assert "Daily digest" in texts and "1 new story" in texts
        assert "Council approves the harbour tunnel &lt;!channel&gt;" in texts  # the header, escaped
        assert "Maria Lopez" in texts and "start building" in texts
        assert "Old story" not in texts  # counted as read when the feed was added
        assert http_server.requests_to("/tunnel")
        # recorded once, as posted, under the channel's local date
        store = harness.core.store
        for _ in range(100):
            rows = await store.run(store.digests, "slack:C0DIGEST")
            if rows and rows[0].status == "posted":
                break
            await asyncio.sleep(0.05)
        assert [(r.local_date, r.status) for r in rows] == [(due.date().isoformat(), "posted")]
    finally:
        await harness.close()


async def test_deliverer_raises_when_slack_refuses(tmp_path, fake):
    from bot.platforms.slack import SlackDeliverer, web_client
    from slack_sdk.errors import SlackApiError

    deliverer = SlackDeliverer(web_client("xoxb-wrong", fake.api_url))
    with pytest.raises(SlackApiError):
        (message,) = await deliverer.prepare(Reply(text="hello"))
        await deliverer.send(ChannelRef("slack", "C1"), message, DeliveryKey("t1", 0))
    good = SlackDeliverer(web_client(fake.bot_token, fake.api_url))
    reply = Reply(text="Digest", cards=())
    (message,) = await good.prepare(reply)
    await good.send(ChannelRef("slack", "C1"), message, DeliveryKey("t1", 0))
    assert fake.calls_to("chat.postMessage")[-1].params["blocks"] == render_reply(reply)[0].blocks
