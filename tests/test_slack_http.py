"""The Slack adapter in HTTP mode, end to end over real sockets on 127.0.0.1.

Slash commands are POSTed the way Slack posts them (form body, signed with the signing
secret); results travel through the response_url to the fake Slack; the command layer,
fetching and briefing are the real ones.
"""

from __future__ import annotations

import asyncio
import html
import json
import time

import pytest
import pytest_asyncio

from bot.core.interface import Invocation
from bot.platforms.slack_render import render_reply
from fakes.slack_api import FakeSlack
from fakes.slack_harness import SlackHarness, html_article, seed_page
from httpserver import http_server  # noqa: F401

pytestmark = pytest.mark.asyncio(loop_scope="session")

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Test Wire</title><link>{base}/</link><description>t</description>
<item><title>Harbour tunnel</title><link>{base}/story</link><guid>{base}/story</guid>
<pubDate>Mon, 02 Jan 2026 08:00:00 GMT</pubDate></item>
</channel></rss>"""


@pytest_asyncio.fixture(loop_scope="session")
async def fake():
    fake = await FakeSlack().start()
    fake.add_user("UALICE")  # a member
    fake.add_user("UADMIN", admin=True)
    fake.add_user("UOWNER", owner=True)
    fake.add_user("UGROUP")
    fake.add_usergroup("S0MANAGERS", "briefbot-managers", "Briefbot managers", ["UGROUP"])
    yield fake
    await fake.close()


@pytest_asyncio.fixture(loop_scope="session")
async def slack(tmp_path, fake, nlp):
    harness = await SlackHarness(tmp_path, fake, slack_manager_group="briefbot-managers").start()
    yield harness
    await harness.close()


def texts_of(call) -> str:
    """Everything a posted message would show, joined."""
    parts = [call.params.get("text", "")]
    blocks = call.params.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    for block in blocks:
        if isinstance(block.get("text"), dict):
            parts.append(block["text"]["text"])
        parts.extend(e.get("text", "") for e in block.get("elements", ()))
    return "\n".join(parts)


def shown(text: str) -> str:
    """What a reader sees: entities decoded, invisible characters dropped."""
    return html.unescape(text.replace("\u200b", "").replace("\u00ad", ""))


async def test_signed_brief_is_acked_at_once_and_the_brief_reaches_slack(slack, fake, http_server, seed_path):
    title, page = seed_page(seed_path)
    http_server.route("/news/us-korea", page)
    url = http_server.url("/news/us-korea")

    posted = await slack.post("/brief", f"<{url}> 3")

    assert posted.status == 200 and posted.seconds < 1.0
    assert posted.body == {"text": "Working on it\u2026", "response_type": "ephemeral"}
    calls = await fake.wait_for(lambda f: f.calls_to("response_url"), timeout=30)
    call = calls[0]
    assert call.params["response_type"] == "in_channel"
    blocks = call.params["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": html.escape(title, quote=False), "emoji": False},
    }
    shown_text = shown(texts_of(call))
    article_text = seed_path.read_text(encoding="utf-8")
    # the summary: real sentences of the article, three of them
    summary = next(b["text"]["text"] for b in blocks if b["type"] == "section")
    reply = slack.service.replies[0]
    assert len(reply.cards[0].summary) == 3
    for sentence in reply.cards[0].summary:
        assert sentence[:40] in article_text.replace("\n", " ") or sentence[:40] in article_text
        assert sentence in shown(summary)
    # who said what: the speakers and their quotes are in the blocks
    assert "Who said what" in shown_text
    assert reply.cards[0].speakers, "the seed article quotes people"
    for speaker in reply.cards[0].speakers:
        assert speaker.heading in shown_text
        for quote in speaker.quotes:
            assert quote.text.strip() in shown_text
    # and the invocation the command layer saw was a plain translation of the text
    inv = slack.service.invocations[0]
    assert inv == Invocation(
        channel=inv.channel, user_id="UALICE", command="brief", options={"url": url, "sentences": 3}, can_manage=False
    )
    assert inv.channel.platform == "slack" and inv.channel.channel_id == "C0GENERAL"
    # exactly what the command layer said, rendered; nothing added or lost on the way
    assert [c.params["blocks"] for c in fake.calls_to("response_url")] == [m.blocks for m in render_reply(reply)]


@pytest.mark.parametrize("case", ["bad signature", "wrong secret", "stale", "future", "no timestamp"])
async def test_unverified_requests_get_401_and_run_nothing(slack, fake, http_server, case):
    http_server.route("/story", html_article("A story", ["Some text here."]))
    text = http_server.url("/story")
    now = int(time.time())
    kwargs: dict = {}
    if case == "bad signature":
        kwargs["signature"] = "v0=" + "0" * 64
    elif case == "wrong secret":
        kwargs["secret"] = "not-the-signing-secret"
    elif case == "stale":
        kwargs["timestamp"] = now - 6 * 60  # correctly signed, six minutes old
    elif case == "future":
        kwargs["timestamp"] = now + 6 * 60
    elif case == "no timestamp":
        kwargs["timestamp"] = ""
    posted = await slack.post("/brief", text, **kwargs)
    assert posted.status == 401
    await _quiet_period()
    assert slack.service.invocations == []
    assert fake.posts() == []
    assert http_server.requests_to("/story") == []


async def _quiet_period(seconds: float = 0.3) -> None:
    await asyncio.sleep(seconds)


async def test_article_mentions_and_mrkdwn_are_escaped(slack, fake, http_server):
    paragraphs = [
        "Residents were told <!channel> that the harbour tunnel would close on Monday, and the "
        "notice reached @here users and <@U0ADMIN> before the council met.",
        '"Everyone should read this *now* <!everyone> and tell @channel," said Maria Lopez, the mayor of the city.',
        "The council said the closure would last for three weeks while engineers repaired the roof.",
    ]
    http_server.route("/alert", html_article("Tunnel closes <!here> on Monday", paragraphs))
    posted = await slack.post("/brief", http_server.url("/alert") + " 3")
    assert posted.status == 200
    calls = await fake.wait_for(lambda f: f.calls_to("response_url"), timeout=30)
    payload = json.dumps([c.params for c in calls], ensure_ascii=False)
    for raw in ("<!channel>", "<!here>", "<!everyone>", "<@U0ADMIN>", "@here", "@channel", "*now*"):
        assert raw not in payload, raw
    everything = "\n".join(texts_of(c) for c in calls)
    assert "&lt;!channel&gt;" in everything and "@\u200bhere" in everything
    # a reader still sees what the article said
    assert "<!channel>" in shown(everything) and "@here" in shown(everything)


async def test_feeds_add_needs_admin_or_the_manager_group(slack, fake, http_server):
    http_server.route("/feed.xml", RSS.format(base=http_server.base_url), content_type="application/rss+xml")
    http_server.route("/story", html_article("Harbour tunnel", ["The council approved the tunnel."]))
    feed = http_server.url("/feed.xml")

    async def feeds_add(user: str, channel: str) -> str:
        before = len(fake.calls_to("response_url"))
        posted = await slack.post("/feeds", f"add {feed}", user=user, channel=channel)
        assert posted.status == 200 and posted.seconds < 1.0
        calls = await fake.wait_for(lambda f: len(f.calls_to("response_url")) > before and f.calls_to("response_url"))
        call = calls[-1]
        assert call.params["response_type"] == "ephemeral"
        return shown(texts_of(call))

    refused = await feeds_add("UALICE", "C1")
    assert "Only people who can manage" in refused
    assert slack.service.invocations[-1].can_manage is False
    assert http_server.requests_to("/feed.xml") == []  # refused before anything was fetched

    for user, channel in (("UADMIN", "C2"), ("UOWNER", "C3"), ("UGROUP", "C4")):
        allowed = await feeds_add(user, channel)
        assert "Now following" in allowed, (user, allowed)
        assert slack.service.invocations[-1].can_manage is True

    # reading settings needs no permission, and the lookups were real Web API calls
    await slack.post("/feeds", "list", user="UALICE", channel="C4")
    calls = await fake.wait_for(lambda f: [c for c in f.calls_to("response_url") if "follows 1 feed" in texts_of(c)])
    assert feed in shown(texts_of(calls[-1]))
    assert {c.params["user"] for c in fake.calls_to("users.info")} >= {"UALICE", "UADMIN", "UOWNER", "UGROUP"}
    assert fake.calls_to("usergroups.users.list")


async def test_usage_problems_are_answered_in_the_ack_without_running_anything(slack, fake):
    posted = await slack.post("/schedule", "set 08:00")
    assert posted.status == 200
    assert posted.body["response_type"] == "ephemeral"
    assert "missing timezone" in posted.body["text"] and "/briefbot schedule set" in posted.body["text"]
    await _quiet_period()
    assert slack.service.invocations == [] and fake.posts() == []


async def test_briefbot_help_and_settings_replies_are_ephemeral(slack, fake):
    posted = await slack.post("/briefbot", "")
    assert posted.status == 200
    calls = await fake.wait_for(lambda f: f.calls_to("response_url"))
    assert calls[0].params["response_type"] == "ephemeral"
    assert "/brief" in texts_of(calls[0]) and slack.service.invocations[0].command == "help"


async def test_schedule_set_by_an_admin_is_stored_and_shown(slack, fake):
    posted = await slack.post("/schedule", "set 07:45 Asia/Seoul mon-fri", user="UADMIN", channel="C9")
    assert posted.status == 200
    await fake.wait_for(lambda f: f.calls_to("response_url"))
    posted = await slack.post("/schedule", "show", user="UALICE", channel="C9")
    calls = await fake.wait_for(lambda f: len(f.calls_to("response_url")) >= 2 and f.calls_to("response_url"))
    text = shown(texts_of(calls[-1]))
    assert "07:45" in text and "Asia/Seoul" in text


async def test_more_than_five_messages_fall_back_to_chat_post_message(slack, fake):
    from bot.core.interface import Card, QuoteView, Reply, SpeakerView

    speakers = tuple(SpeakerView(f"Speaker {i}", None, "person", (QuoteView("x " * 1400),)) for i in range(30))
    reply = Reply(cards=(Card("Huge", None, None, ("One.",), speakers),))
    messages = render_reply(reply)
    assert len(messages) > 5

    async def respond(**kwargs):
        from slack_sdk.webhook.async_client import AsyncWebhookClient

        return await AsyncWebhookClient(fake.response_url()).send_dict(kwargs)

    body = {"channel_id": "C7", "user_id": "UALICE", "response_url": "set"}
    await slack.platform.send_reply(body, reply, respond)
    assert len(fake.calls_to("response_url")) == 5
    posted = fake.calls_to("chat.postMessage")
    assert len(posted) == len(messages) - 5 and all(c.params["channel"] == "C7" for c in posted)
    assert all(c.token == fake.bot_token for c in posted)
