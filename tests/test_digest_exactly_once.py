"""Exactly-once digests across kill -9, with real `briefbot run` processes.

Each test starts a real `briefbot run` (its own process group, so SIGKILL takes its
worker pool too) against the Discord-compatible or the Slack-compatible fake server on
127.0.0.1, with a digest of many stories due a minute ago, kills it with SIGKILL at one
of three points, starts it again within the grace period and checks that every story
of that digest reached the channel exactly once and no message twice:

* while the digest is being built (a story page is still being fetched);
* while its first message is in flight (the platform created it, the answer never came);
* between two of its messages (the first delivered, the second not yet created).

The fakes behave as the platforms do on a resend: Discord returns the message it already
made for a repeated ``nonce`` with ``enforce_nonce``; Slack keeps message ``metadata``
and returns it from ``conversations.history`` with ``include_all_metadata``.
"""

from __future__ import annotations

import json
import os
import signal
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fakes.discord_server import FakeDiscord
from fakes.slack_api import FakeSlack
from httpserver import http_server  # noqa: F401
from ops_processes import BotProcess, free_port, wait_until

from bot.storage.db import NewEntry, open_store
from bot_helpers import story

pytestmark = pytest.mark.slow

STORIES = 14
SLACK_CHANNEL = "C0DIGEST"


def story_path(n: int) -> str:
    return f"/story/s{n:02d}"  # zero-padded: no path is a prefix of another


def plant_digest(db_url: str, key: str, server: Any) -> None:
    """A channel following a feed whose STORIES new entries were never briefed (so the
    digest fetches and briefs each, which takes a while), and a digest due a minute ago."""
    now = datetime.now(timezone.utc)
    store = open_store(db_url)
    try:
        feed, _ = store.subscribe(
            key,
            server.url("/feed.xml"),
            title="Harbour Wire",
            entries=[],
            etag=None,
            last_modified=None,
            now=now - timedelta(minutes=30),
            next_poll_at=now + timedelta(days=1),
        )
        store.record_poll(
            feed.id,
            now=now - timedelta(minutes=20),
            next_poll_at=now + timedelta(days=1),
            entries=[NewEntry(f"s{n}", server.url(story_path(n)), f"Plan {n} approved") for n in range(STORIES)],
        )
        due = now - timedelta(minutes=1)
        store.set_schedule(key, hour=due.hour, minute=due.minute, tz="UTC", days="*", now=now - timedelta(minutes=10))
    finally:
        store.close()


def bot_env(platform: str, fake: Any, db_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "SLACK_", "DATABASE_", "HEALTH_", "LOG_", "BRIEFBOT_TEST"))
    }
    env.update(
        {
            "DATABASE_URL": db_url,
            "HEALTH_PORT": str(free_port()),
            "LOG_FORMAT": "json",
            "WORKERS": "1",
            "FEED_POLL_SECONDS": "3600",
            "PYTHONUNBUFFERED": "1",
            "BRIEFBOT_FETCH_ALLOW_HOSTS": "127.0.0.1",
            "DIGEST_GRACE_SECONDS": "3600",
        }
    )
    if platform == "discord":
        env.update(
            {"DISCORD_TOKEN": fake.token, "DISCORD_API_URL": fake.api_url, "DISCORD_GATEWAY_URL": fake.gateway_url}
        )
    else:
        env.update(
            {
                "SLACK_BOT_TOKEN": fake.bot_token,
                "SLACK_SIGNING_SECRET": "test-signing-secret",
                "SLACK_API_URL": fake.api_url,
                "SLACK_HOST": "127.0.0.1",
                "SLACK_PORT": str(free_port()),
            }
        )
    return env


class Platform:
    """The fake platform's view of the one channel: its messages and holds, the same for both."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.fake: Any = None

    async def start(self) -> "Platform":
        self.fake = await (FakeDiscord().start() if self.name == "discord" else FakeSlack().start())
        return self

    async def stop(self) -> None:
        await (self.fake.stop() if self.name == "discord" else self.fake.close())

    @property
    def key(self) -> str:
        return f"discord:{self.fake.channel_id}" if self.name == "discord" else f"slack:{SLACK_CHANNEL}"

    def hold(self, nth: int, *, after_create: bool) -> Any:
        if self.name == "discord":
            return self.fake.hold_channel_message(nth, after_create=after_create)
        return self.fake.hold_post(nth, after_create=after_create)

    def messages(self) -> list[str]:
        """Each message in the channel, as its JSON."""
        if self.name == "discord":
            return [json.dumps(m.payload, sort_keys=True) for m in self.fake.channel_messages()]
        return [
            json.dumps({"text": m["text"], "blocks": m["blocks"]}, sort_keys=True)
            for m in self.fake.messages_in(SLACK_CHANNEL)
        ]

    def keys(self) -> list[str]:
        """The idempotency key each message carried."""
        if self.name == "discord":
            return [str(m.payload.get("nonce")) for m in self.fake.channel_messages()]
        return [m["metadata"]["event_payload"]["key"] for m in self.fake.messages_in(SLACK_CHANNEL)]


def digest_row(db_url: str, key: str) -> Any:
    store = open_store(db_url)
    try:
        rows = store.digests(key)
        return rows[0] if rows else None
    finally:
        store.close()


@pytest.mark.parametrize("platform_name", ["discord", "slack"])
@pytest.mark.parametrize("point", ["while-building", "first-in-flight", "between-messages"])
async def test_kill_9_then_restart_delivers_every_story_once(tmp_path, http_server, platform_name, point):
    for n in range(STORIES):
        http_server.route(story_path(n), story(n), content_type="text/plain; charset=utf-8")
    if point == "while-building":  # the last story's page hangs: the digest is mid-build
        http_server.route(
            story_path(STORIES - 1), story(STORIES - 1), delay=3600, content_type="text/plain; charset=utf-8"
        )
    platform = await Platform(platform_name).start()
    db_url = f"sqlite:///{tmp_path / 'briefbot.db'}"
    bots: list[BotProcess] = []
    try:
        plant_digest(db_url, platform.key, http_server)
        hold = None
        if point == "first-in-flight":
            hold = platform.hold(1, after_create=True)
        elif point == "between-messages":
            hold = platform.hold(2, after_create=False)
        first = await BotProcess("first", bot_env(platform_name, platform.fake, db_url), tmp_path / "first").start()
        bots.append(first)
        if hold is None:
            await wait_until(
                lambda: http_server.requests_to(story_path(STORIES - 1)), 120, "the digest to fetch its last story"
            )
        else:
            await wait_until(hold.reached.is_set, 120, f"the digest's held message ({point})")
        first.signal_group(signal.SIGKILL)
        await first.wait_exit(10)
        row = digest_row(db_url, platform.key)
        expected_status = "claimed" if point == "while-building" else "sending"
        assert row is not None and row.status == expected_status, (row and row.status, first.log_text()[-3000:])
        assert row.sent_count == (1 if point == "between-messages" else 0)
        before = platform.messages()
        assert len(before) == {"while-building": 0, "first-in-flight": 1, "between-messages": 1}[point]
        if hold is not None:
            hold.release.set()  # the dead process's request ends (a created message stays created)
        http_server.route(story_path(STORIES - 1), story(STORIES - 1), content_type="text/plain; charset=utf-8")

        second = await BotProcess("second", bot_env(platform_name, platform.fake, db_url), tmp_path / "second").start()
        bots.append(second)
        await wait_until(
            lambda: (r := digest_row(db_url, platform.key)) is not None and r.status == "posted",
            180,
            f"the resumed digest to be posted\n{second.log_text()[-3000:]}",
        )
        row = digest_row(db_url, platform.key)
        messages = platform.messages()
        assert row.message_count >= 2, "the digest must span several messages for this test"
        assert (row.sent_count, row.attempts) == (row.message_count, 2)
        assert len(messages) == row.message_count == len(set(messages)), "a message was posted twice"
        assert platform.keys() == [f"{row.delivery_key}.{i}" for i in range(row.message_count)]
        assert messages[: len(before)] == before
        for n in range(STORIES):
            carrying = [m for m in messages if story_path(n) in m]
            assert len(carrying) == 1, f"story {n} is in {len(carrying)} messages"
        events = [e.get("message", "") for e in second.log_events()]
        assert any("resumed" in e for e in events), events[-30:]
        resumed = await second.metric("briefbot_digest_events_total", {"platform": platform_name, "event": "resumed"})
        assert resumed == 1
    finally:
        for bot in bots:
            await bot.stop()
        await platform.stop()


@pytest.mark.parametrize("platform_name", ["discord", "slack"])
async def test_resend_after_a_crash_is_recognised_by_the_platform(platform_name):
    """The platforms' side of the contract, without the bot: Discord returns the message
    it made for a repeated nonce; Slack finds a message by its metadata key."""
    from bot.core.interface import ChannelRef, DeliveryKey, Reply

    platform = await Platform(platform_name).start()
    try:
        if platform_name == "discord":
            import discord

            from bot.platforms.discord import DiscordDeliverer, point_discord_py_at

            point_discord_py_at(platform.fake.api_url, platform.fake.gateway_url)
            client = discord.Client(intents=discord.Intents.none())
            await client.login(platform.fake.token)
            deliverer: Any = DiscordDeliverer(client)
            ref = ChannelRef("discord", platform.fake.channel_id, platform.fake.guild_id)
        else:
            from bot.platforms.slack import SlackDeliverer, web_client

            client = None
            deliverer = SlackDeliverer(web_client(platform.fake.bot_token, platform.fake.api_url))
            ref = ChannelRef("slack", SLACK_CHANNEL)
        (message,) = await deliverer.prepare(Reply(text="Daily digest: one story."))
        await deliverer.send(ref, message, DeliveryKey("bbtest", 0))
        await deliverer.send(ref, message, DeliveryKey("bbtest", 0, maybe_sent=True))  # the resend
        await deliverer.send(ref, message, DeliveryKey("bbtest", 1, maybe_sent=True))  # never sent: goes
        assert platform.keys() == ["bbtest.0", "bbtest.1"]
        if client is not None:
            await client.close()
    finally:
        await platform.stop()
