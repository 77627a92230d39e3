"""Two `briefbot run` replicas on one PostgreSQL database and the fake Discord server:
a /schedule set answered by the follower fires on the leader at its minute (its timers
learn the change through the database, not from the minute sweep), and an interaction
delivered to both replicas (unsharded, so each gets it) is answered once, with no ERROR
in either log. Needs PostgreSQL (BRIEFBOT_TEST_POSTGRES_URL) and is skipped without one.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from ops_postgres import fresh_database
from ops_processes import BotProcess, MultiChannelDiscord, bot_env, free_port, wait_until

from bot.storage.db import open_store

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def pg_url():
    yield from fresh_database()


async def start_replicas(fake, pg_url, tmp_path) -> list[BotProcess]:
    """Two replicas, started one after the other, so the fake's sessions are in their order."""
    bots = []
    for name in ("replica-1", "replica-2"):
        env = bot_env(fake, pg_url, free_port(), LEADER_RETRY_SECONDS="2")
        bot = await BotProcess(name, env, tmp_path / name).start()
        bots.append(bot)
        await bot.wait_healthy(timeout=120)
        await wait_until(lambda n=len(bots): len(fake.sessions) >= n, 30, f"{name}'s gateway session")
    return bots


def errors(bot: BotProcess) -> list[str]:
    return [e.get("message", "") for e in bot.log_events() if e.get("level") in ("ERROR", "CRITICAL")]


async def test_a_schedule_set_on_the_follower_fires_on_the_leader_at_its_minute(pg_url, tmp_path):
    fake = await MultiChannelDiscord(channels=1).start()
    store = open_store(pg_url)
    bots: list[BotProcess] = []
    try:
        bots = await start_replicas(fake, pg_url, tmp_path)
        sessions = list(fake.sessions.values())
        leaders = [i for i, bot in enumerate(bots) if await bot.is_leader()]
        assert len(leaders) == 1
        leader, follower = bots[leaders[0]], bots[1 - leaders[0]]
        follower_session = sessions[1 - leaders[0]]

        now = datetime.now(timezone.utc)
        at = (now + timedelta(minutes=1 if now.second < 40 else 2)).replace(second=0, microsecond=0)
        iid = await fake.interact(
            "schedule",
            {"time": f"{at:%H:%M}", "timezone": "UTC"},
            subcommand="set",
            permissions=1 << 4,
            sessions=[follower_session],
        )  # Manage Channels
        await wait_until(lambda: fake.followups_for(iid), 30, "the follower's answer")
        assert "will be posted at" in fake.followups_for(iid)[0].text()
        assert any("discord: /schedule set" in e.get("message", "") for e in follower.log_events())

        key = f"discord:{fake.channel_id}"
        await wait_until(
            lambda: store.digest(key, at.date().isoformat()) is not None,
            (at - datetime.now(timezone.utc)).total_seconds() + 30,
            "the digest at its minute",
        )
        row = store.digest(key, at.date().isoformat())
        assert row.scheduled_for == at
        # Fired by the leader's own timer for that minute: claimed within seconds of it,
        # where the minute sweep could be up to 60 s late.
        assert (row.claimed_at - at).total_seconds() < 5, row.claimed_at
        claimed = [e["message"] for e in leader.log_events() if "claimed" in e.get("message", "")]
        assert len(claimed) == 1 and "by the timer" in claimed[0], claimed
        assert not [e for e in follower.log_events() if "claimed" in e.get("message", "")]
        await wait_until(lambda: fake.digests_in(fake.channel_id), 30, "the digest message")
        await asyncio.sleep(2)
        assert len(fake.digests_in(fake.channel_id)) == 1
        assert errors(leader) == [] and errors(follower) == []
    finally:
        for bot in bots:
            await bot.stop()
        store.close()
        await fake.stop()


async def test_an_interaction_delivered_to_both_replicas_is_answered_once(pg_url, tmp_path):
    fake = await MultiChannelDiscord(channels=1).start()
    bots: list[BotProcess] = []
    try:
        bots = await start_replicas(fake, pg_url, tmp_path)
        sessions = list(fake.sessions.values())
        assert len(sessions) == 2
        for _ in range(3):
            iid = await fake.interact("help", sessions=sessions)
            await wait_until(lambda: fake.followups_for(iid), 30, "an answer to /help")
            await asyncio.sleep(1.5)  # room for a second answer to show up
            assert fake.callback_for(iid) is not None
            assert len(fake.followups_for(iid)) == 1, [m.text() for m in fake.followups_for(iid)]
        for bot in bots:
            assert errors(bot) == [], errors(bot)
        stood_down = [
            e for bot in bots for e in bot.log_events() if "acknowledged by another replica" in e.get("message", "")
        ]
        assert len(stood_down) == 3
    finally:
        for bot in bots:
            await bot.stop()
        await fake.stop()
