"""The Discord side of the bot end to end: the real discord.py client over real sockets.

The bot (real command layer, SQLite file, fetching and briefing) logs in to
``FakeDiscord`` on 127.0.0.1, syncs its slash commands, keeps a zlib-stream gateway
session, and answers INTERACTION_CREATE events the way Discord requires: an immediate
deferred acknowledgement (callback type 5), then follow-up webhook messages. Articles
are served by a local HTTP server.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

import pytest
import pytest_asyncio

from bot.core.interface import COMMAND_NAMES
from bot.core.timing import make_trigger
from bot.scheduling import DigestScheduler
from bot.errors import StartError
from bot.settings import SettingsError, load_settings
from bot_helpers import FeedSite
from fakes.discord_harness import DiscordHarness, html_article
from fakes.discord_server import MANAGE_CHANNELS, MEMBER_PERMISSIONS, FakeDiscord
from httpserver import http_server  # noqa: F401

pytestmark = pytest.mark.asyncio(loop_scope="session")

MANAGER = MEMBER_PERMISSIONS | MANAGE_CHANNELS


@pytest_asyncio.fixture(loop_scope="session")
async def fake():
    fake = await FakeDiscord().start()
    yield fake
    await fake.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def bot(tmp_path, fake, nlp):
    harness = await DiscordHarness(tmp_path, fake).start()
    yield harness
    await harness.close()


@pytest.fixture
def seed_url(http_server, seed_path):
    http_server.route("/seed", seed_path.read_text(encoding="utf-8"), content_type="text/plain; charset=utf-8")
    return http_server.url("/seed")


async def answer(
    fake: FakeDiscord, name: str, options: dict | None = None, *, timeout: float = 30.0, **kwargs
) -> tuple[str, list]:
    """Send one interaction; wait for its acknowledgement and follow-up(s)."""
    iid = await fake.interact(name, options, **kwargs)
    await fake.wait_for(lambda: fake.callback_for(iid), 5, f"/{name} to be acknowledged")
    await fake.wait_for(lambda: fake.followups_for(iid), timeout, f"/{name} follow-up")
    await asyncio.sleep(0.05)  # a multi-message answer may still be arriving
    return iid, fake.followups_for(iid)


def assert_deferred_first(fake: FakeDiscord, iid: str, *, ephemeral: bool) -> None:
    callback = fake.callback_for(iid)
    sent = fake.interactions[iid]
    assert callback.type == 5, "must defer (DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE)"
    assert callback.ephemeral is ephemeral
    assert callback.at - sent.at < 1.0
    assert all(m.at >= callback.at for m in fake.followups_for(iid))


def assert_no_mentions(fake: FakeDiscord) -> None:
    """Every message-creating request the bot made disabled all mentions."""
    sends = [
        r
        for r in fake.requests
        if r.method in ("POST", "PATCH") and isinstance(r.json, dict) and ("content" in r.json or "embeds" in r.json)
    ]
    assert sends
    for req in sends:
        assert req.json.get("allowed_mentions") == {"parse": []}, (req.path, req.json)


# -- login, command sync, gateway ------------------------------------------------------


async def test_login_syncs_commands_once_and_not_again_on_restart(tmp_path, fake, nlp, monkeypatch):
    first = await DiscordHarness(tmp_path, fake).start()
    try:
        assert first.platform.is_ready()
        (put,) = fake.command_puts
        scope, body, _ = put
        assert scope == "global"
        names = {c["name"] for c in body}
        assert names == {"brief", "quotes", "digest", "feeds", "schedule", "help"}
        groups = {c["name"]: {o["name"] for o in c["options"]} for c in body if c["name"] in ("feeds", "schedule")}
        assert groups == {"feeds": {"add", "remove", "list"}, "schedule": {"set", "off", "show"}}
        brief = next(c for c in body if c["name"] == "brief")
        sentences = next(o for o in brief["options"] if o["name"] == "sentences")
        assert (sentences["type"], sentences["min_value"], sentences["max_value"]) == (4, 1, 10)
        quotes = next(c for c in body if c["name"] == "quotes")
        assert next(o for o in quotes["options"] if o["name"] == "speaker")["autocomplete"] is True
        # the gateway speaks zlib-stream, as discord.py asks
        assert "compress=zlib-stream" in fake.gateway_log[0][1]
        assert fake.connections[0].compress == "zlib-stream"
    finally:
        await first.close()

    second = await DiscordHarness(tmp_path, fake).start()
    try:
        assert second.platform.is_ready()
        assert len(fake.command_puts) == 1, "unchanged commands must not be synced again"
        assert len(fake.requests_to("POST", r"^/users/@me$")) == 0
        assert len(fake.requests_to("GET", r"^/users/@me$")) == 2  # but it did log in twice
        _, followups = await answer(fake, "help")
        assert "/brief" in followups[0].content
    finally:
        await second.close()

    # a changed definition (here: a reworded description) is synced on the next start
    import dataclasses

    from bot.platforms import discord_commands

    specs = tuple(
        dataclasses.replace(s, description="Summarize a news article") if s.name == "brief" else s
        for s in discord_commands.COMMAND_SPECS
    )
    monkeypatch.setattr(discord_commands, "COMMAND_SPECS", specs)
    third = await DiscordHarness(tmp_path, fake).start()
    try:
        assert len(fake.command_puts) == 2
        brief = next(c for c in fake.command_puts[-1][1] if c["name"] == "brief")
        assert brief["description"] == "Summarize a news article"
    finally:
        await third.close()


async def test_dev_guild_gets_its_own_instant_sync(tmp_path, fake, nlp):
    harness = await DiscordHarness(tmp_path, fake, discord_dev_guild_id=fake.guild_id).start()
    try:
        (put,) = fake.command_puts
        assert put[0] == fake.guild_id
        assert fake.requests_to("PUT", rf"/guilds/{fake.guild_id}/commands$")
    finally:
        await harness.close()


async def test_wrong_token_is_one_clear_sentence(tmp_path, fake, nlp):
    harness = DiscordHarness(tmp_path, fake, discord_token="not-the-token")
    with pytest.raises(SettingsError) as caught:
        await harness.start()
    await harness.close()
    message = str(caught.value)
    assert "DISCORD_TOKEN" in message and "401" in message
    assert "\n" not in message and "Traceback" not in message
    assert fake.requests_to("GET", r"^/users/@me$")[0].status == 401
    assert not fake.connections  # never reached the gateway


async def test_unreachable_api_is_one_clear_sentence(tmp_path, fake, nlp):
    closed = await FakeDiscord().start()
    api_url = closed.api_url
    await closed.stop()  # nothing listens there any more
    harness = DiscordHarness(tmp_path, fake, discord_api_url=api_url)
    with pytest.raises(StartError) as caught:  # the setting may be right: the API is down
        await harness.start()
    await harness.close()
    assert "DISCORD_API_URL" in str(caught.value) and api_url in str(caught.value)
    assert "\n" not in str(caught.value)


async def test_gateway_rejecting_the_token_is_one_clear_sentence(tmp_path, fake, nlp):
    fake.token = "rotated-token"  # REST still accepts the old one below; the gateway does not
    real_check = fake._check_auth
    fake._check_auth = lambda request, path: None
    try:
        harness = DiscordHarness(tmp_path, fake, discord_token="old-token")
        with pytest.raises(SettingsError) as caught:
            await harness.start()
        await harness.close()
    finally:
        fake._check_auth = real_check
    assert "4004" in str(caught.value) and "DISCORD_TOKEN" in str(caught.value)


async def test_missing_token_is_one_clear_sentence(tmp_path, fake, nlp):
    harness = DiscordHarness(tmp_path, fake, discord_token=None)
    with pytest.raises(SettingsError, match="DISCORD_TOKEN is not set"):
        await harness.start()
    await harness.close()
    assert not fake.requests


# -- every command -----------------------------------------------------------------------


async def test_every_command_is_deferred_then_answered(bot, fake, http_server, seed_url):
    site = FeedSite(http_server)
    site.add_story(1)
    seen: set[str] = set()

    iid, msgs = await answer(fake, "brief", {"url": seed_url, "sentences": 2})
    assert_deferred_first(fake, iid, ephemeral=False)
    (msg,) = msgs
    assert msg.replaces_original and not msg.ephemeral  # fills the public "thinking" message
    embed = msg.embeds[0]
    assert embed["url"] == seed_url
    assert "Korea" in embed["title"]
    assert embed["description"].count("• ") == 2  # two summary sentences
    assert any("Biden" in f["name"] for f in embed["fields"])
    assert not msg.ephemeral
    seen.add("brief")

    iid = await fake.interact("quotes", {"url": seed_url, "speaker": "bid"}, focused="speaker")
    callback = await fake.wait_for(lambda: fake.callback_for(iid), 5, "autocomplete result")
    assert callback.type == 8
    assert any("Biden" in c["name"] for c in callback.data["choices"])

    iid, msgs = await answer(fake, "quotes", {"url": seed_url, "speaker": "Biden"})
    assert_deferred_first(fake, iid, ephemeral=False)
    fields = msgs[0].embeds[0]["fields"]
    assert fields and all("Biden" in f["name"] for f in fields)
    assert "“" in fields[0]["value"]
    seen.add("quotes")

    iid, msgs = await answer(fake, "feeds", {"url": site.url}, subcommand="add", permissions=MANAGER)
    assert_deferred_first(fake, iid, ephemeral=True)
    assert "Now following" in msgs[0].content and msgs[0].ephemeral
    seen.add("feeds add")

    iid, msgs = await answer(fake, "feeds", subcommand="list")
    assert_deferred_first(fake, iid, ephemeral=True)
    assert site.url in msgs[0].content and "follows 1 feed" in msgs[0].content
    seen.add("feeds list")

    site.add_story(2)
    from bot.scheduling import FeedPoller  # no scheduler in this harness: poll by hand

    poller = FeedPoller(bot.core.store, bot.core.sources, bot.core.cache, bot.core.clock, interval_seconds=60)
    feeds = await bot.core.store.run(bot.core.store.channel_feeds, f"discord:{fake.channel_id}")
    await poller.poll(feeds[0])
    iid, msgs = await answer(fake, "digest")
    assert_deferred_first(fake, iid, ephemeral=False)
    assert "1 new story" in msgs[0].content
    assert any("Plan 2" in e["title"] or "plan number 2" in e["title"] for e in msgs[0].embeds)
    seen.add("digest")

    iid, msgs = await answer(
        fake,
        "schedule",
        {"time": "07:30", "timezone": "Europe/Berlin", "days": "mon-fri"},
        subcommand="set",
        permissions=MANAGER,
    )
    assert_deferred_first(fake, iid, ephemeral=True)
    assert "07:30" in msgs[0].content and "Europe/Berlin" in msgs[0].content
    seen.add("schedule set")

    iid, msgs = await answer(fake, "schedule", subcommand="show")
    assert_deferred_first(fake, iid, ephemeral=True)
    assert "07:30" in msgs[0].content
    seen.add("schedule show")

    iid, msgs = await answer(fake, "schedule", subcommand="off", permissions=MANAGER)
    assert_deferred_first(fake, iid, ephemeral=True)
    assert "off" in msgs[0].content
    seen.add("schedule off")

    iid, msgs = await answer(fake, "feeds", {"url": site.url}, subcommand="remove", permissions=MANAGER)
    assert_deferred_first(fake, iid, ephemeral=True)
    assert "Stopped following" in msgs[0].content
    seen.add("feeds remove")

    iid, msgs = await answer(fake, "help")
    assert_deferred_first(fake, iid, ephemeral=True)
    assert all(f"/{name}" in msgs[0].content for name in COMMAND_NAMES)
    seen.add("help")

    assert seen == set(COMMAND_NAMES)
    invs = {i.command: i for i in bot.service.invocations}
    assert invs["brief"].options == {"url": seed_url, "sentences": 2}
    assert invs["schedule set"].options == {"time": "07:30", "timezone": "Europe/Berlin", "days": "mon-fri"}
    assert invs["brief"].channel.channel_id == fake.channel_id
    assert invs["brief"].channel.guild_id == fake.guild_id
    assert_no_mentions(fake)


async def test_managers_only_by_permission_or_named_role(tmp_path, fake, http_server, nlp):
    site = FeedSite(http_server)
    site.add_story(1)
    harness = await DiscordHarness(tmp_path, fake, discord_manager_role=fake.manager_role_name).start()
    try:
        iid, msgs = await answer(fake, "feeds", {"url": site.url}, subcommand="add")
        assert msgs[0].ephemeral and "manage" in msgs[0].content.lower()
        assert harness.service.invocations[-1].can_manage is False
        iid, msgs = await answer(fake, "feeds", {"url": site.url}, subcommand="add", roles=(fake.manager_role_id,))
        assert "Now following" in msgs[0].content
        assert harness.service.invocations[-1].can_manage is True
    finally:
        await harness.close()


async def test_public_command_error_is_private(bot, fake):
    iid, msgs = await answer(fake, "brief", {"url": "ftp://example.com/x"})
    assert fake.callback_for(iid).ephemeral is False  # /brief defers publicly...
    # ...so the public "thinking" message is removed and the error sent privately
    assert fake.requests_to("DELETE", r"/messages/@original$")
    assert msgs[-1].ephemeral and "ftp" in msgs[-1].content and "http" in msgs[-1].content
    assert not msgs[-1].replaces_original  # a new private message, not the public one


# -- mentions, rate limits, reconnects ---------------------------------------------------


async def test_article_cannot_mention_or_format(bot, fake, http_server):
    http_server.route(
        "/evil",
        html_article(
            "Alert for @everyone and <@&123>",
            [
                "The city council on Tuesday approved the harbour tunnel @everyone, ending a debate "
                "that had run for two years and divided residents across the district <@&123>.",
                '"This is the day we stop arguing and start building for @here and <#456>," said '
                "Maria Lopez, the mayor of the city.",
                "The project is expected to cost about **four billion** euros and to take six years, "
                "officials told reporters on Wednesday.",
            ],
        ),
    )
    _, msgs = await answer(fake, "brief", {"url": http_server.url("/evil")})
    text = "\n".join(m.text() for m in msgs)
    assert "everyone" in text and "123" in text  # the words are still there...
    for raw in ("@everyone", "<@&123>", "@here", "<#456>", "**four billion**"):
        assert raw not in text, raw  # ...but inert
    assert "\u200b" in text
    assert_no_mentions(fake)


async def test_rate_limited_follow_up_is_retried_after_retry_after(bot, fake):
    rule = fake.rate_limit("POST", rf"^/webhooks/{fake.app_id}/", times=1, retry_after=0.6)
    iid, msgs = await answer(fake, "help")
    assert len(rule.hits) == 1 and not fake.rate_limit_violations
    retried = [r for r in fake.requests_to("POST", rf"^/webhooks/{fake.app_id}/") if r.status == 200]
    assert retried and retried[0].at - rule.hits[0] >= 0.6
    assert "/brief" in msgs[0].content


async def test_rate_limited_channel_message_is_retried(bot, fake):
    from bot.core.interface import ChannelRef, DeliveryKey, Reply

    rule = fake.rate_limit("POST", r"^/channels/\d+/messages$", times=2, retry_after=0.3)
    started = time.monotonic()
    deliverer = bot.platform.deliverer
    (message,) = await deliverer.prepare(Reply(text="Daily digest: nothing new."))
    await deliverer.send(ChannelRef("discord", fake.channel_id, fake.guild_id), message, DeliveryKey("t", 0))
    assert time.monotonic() - started >= 0.6
    (msg,) = fake.channel_messages()
    assert msg.content == "Daily digest: nothing new."
    assert len(rule.hits) == 2 and not fake.rate_limit_violations
    assert msg.payload["allowed_mentions"] == {"parse": []}


async def test_dropped_gateway_is_resumed_and_commands_still_answered(bot, fake):
    await fake.drop_gateway(code=4000)
    conn = await fake.wait_ready(after=1)
    assert conn.path == "/gateway-resume"  # resumed at resume_gateway_url
    assert any(what == "resume" and "known=True" in detail for what, detail, _ in fake.gateway_log)
    assert len(fake.sessions) == 1  # same session, no new IDENTIFY
    _, msgs = await answer(fake, "help")
    assert "/brief" in msgs[0].content
    assert bot.platform.is_ready()


@pytest.fixture
def quick_reidentify(monkeypatch):
    """discord.py waits 5 s before every non-first IDENTIFY (Discord's identify rate limit);
    the fake has none, so tests skip the wait through the hook discord.py provides for it."""
    import discord

    async def no_wait(self, shard_id, *, initial=False):
        return None

    monkeypatch.setattr(discord.Client, "before_identify_hook", no_wait)


async def test_invalid_session_leads_to_a_fresh_identify(bot, fake, quick_reidentify):
    fake.invalidate_resumes = True
    await fake.drop_gateway(abort=True)  # TCP cut, no close frame
    await fake.wait_for(lambda: len(fake.sessions) == 2, 20, "a second IDENTIFY")
    conn = await fake.wait_ready(after=1)
    assert conn.session is list(fake.sessions.values())[-1]
    _, msgs = await answer(fake, "help")
    assert "/brief" in msgs[0].content


async def test_interaction_sent_while_disconnected_is_replayed_on_resume(bot, fake):
    await fake.drop_gateway(code=4000)
    iid = await fake.interact("help")  # queued in the session, replayed after RESUME
    await fake.wait_for(lambda: fake.followups_for(iid), 10, "replayed interaction's answer")
    assert fake.callback_for(iid).type == 5


# -- scheduled digest ------------------------------------------------------------------


class SecondScheduler(DigestScheduler):
    """The real scheduler, firing at ``second`` past the schedule's minute (not :00)."""

    second = 0

    def trigger_for(self, schedule):
        return make_trigger(schedule.hour, schedule.minute, schedule.tz, schedule.days, second=self.second)


async def test_scheduled_digest_arrives_as_a_channel_message(tmp_path, fake, http_server, nlp):
    site = FeedSite(http_server)
    site.add_story(1)
    harness = await DiscordHarness(tmp_path, fake, feed_poll_seconds=1).start(scheduler_class=SecondScheduler)
    try:
        assert harness.scheduler.deliverers["discord"] is harness.platform.deliverer
        await answer(fake, "feeds", {"url": site.url}, subcommand="add", permissions=MANAGER)
        site.add_story(2)  # a new story the poller (every second) will pick up
        zone = "Asia/Kolkata"
        from zoneinfo import ZoneInfo

        due = datetime.now(ZoneInfo(zone)).replace(microsecond=0) + timedelta(seconds=5)
        SecondScheduler.second = due.second
        _, msgs = await answer(
            fake, "schedule", {"time": f"{due:%H:%M}", "timezone": zone}, subcommand="set", permissions=MANAGER
        )
        assert f"{due:%H:%M}" in msgs[0].content
        assert not fake.channel_messages()
        (digest,) = await fake.wait_for(fake.channel_messages, 25, "the scheduled digest")
        arrived = datetime.now(timezone.utc)
        assert due - timedelta(seconds=0.5) <= arrived <= due + timedelta(seconds=10)
        text = digest.text()
        assert "Daily digest" in text and "1 new story" in text
        assert "plan number 2" in text.lower() or "Plan 2" in text
        assert digest.payload["allowed_mentions"] == {"parse": []}
        assert not digest.ephemeral
    finally:
        await harness.close()


async def test_fatal_close_after_start_is_logged_and_reported_not_ready(bot, fake, caplog):
    assert bot.platform.is_ready()
    await fake.drop_gateway(code=4004)  # e.g. the token was reset in the Developer Portal
    await fake.wait_for(lambda: not bot.platform.is_ready(), 10, "the adapter to give up")
    await asyncio.sleep(0.05)
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR" and r.name == "bot.platforms.discord"]
    assert any("ended for good" in e and "4004" in e for e in errors), errors


async def test_shard_settings_run_an_auto_sharded_client(tmp_path, fake, nlp, monkeypatch):
    """DISCORD_SHARD_COUNT/DISCORD_SHARD_IDS (``bot.ops.sharding``): this replica runs shard 1
    of 2, which is the one Discord routes the test guild's interactions to."""
    import discord

    owner = (int(fake.guild_id) >> 22) % 2
    harness = await DiscordHarness(tmp_path, fake, discord_shard_count="2", discord_shard_ids=str(owner)).start()
    try:
        assert isinstance(harness.platform.client, discord.AutoShardedClient)
        (session,) = fake.sessions.values()
        assert session.shard == (owner, 2)
        _, msgs = await answer(fake, "help")
        assert "/brief" in msgs[0].content
    finally:
        await harness.close()

    # A wrong plan is refused when the settings are read, before anything starts.
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "2")
    monkeypatch.setenv("DISCORD_SHARD_IDS", "0-2")
    with pytest.raises(SettingsError, match="DISCORD_SHARD_IDS names shard 2") as caught:
        load_settings(_env_file=None)
    assert "\n" not in str(caught.value)


async def test_unwritable_state_dir_still_syncs_and_answers(tmp_path, fake, nlp, caplog, monkeypatch):
    blocker = tmp_path / "state-is-a-file"
    blocker.write_text("not a directory")
    monkeypatch.setattr("bot.platforms.discord.state_dir", lambda settings: blocker / "sub")
    harness = await DiscordHarness(tmp_path, fake).start()
    try:
        assert len(fake.command_puts) == 1
        assert any("could not record the synced commands" in r.getMessage() for r in caplog.records)
        _, msgs = await answer(fake, "help")
        assert "/brief" in msgs[0].content
    finally:
        await harness.close()
