"""Two `briefbot run` replicas on one PostgreSQL database and the fake Discord server.

Exactly one leads (schedules and posts); a digest is posted once; when the leader is
SIGKILLed the other takes over and posts the next digest that falls due. Needs a
PostgreSQL server (BRIEFBOT_TEST_POSTGRES_URL; scripts/postgres.sh) and is skipped
without one.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import datetime, timedelta, timezone

import pytest
from ops_postgres import fresh_database
from ops_processes import BotProcess, MultiChannelDiscord, bot_env, free_port, wait_until

from bot.storage.db import open_store

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def pg_url():
    yield from fresh_database()


def schedule_past_digest(store, channel_id: str, now: datetime) -> str:
    """A UTC schedule whose time was a minute ago (within the grace), set well before it."""
    due = now - timedelta(minutes=1)
    key = f"discord:{channel_id}"
    store.set_schedule(key, hour=due.hour, minute=due.minute, tz="UTC", days="*", now=now - timedelta(minutes=10))
    return key


async def test_replicas_post_once_and_the_survivor_takes_over(pg_url, tmp_path):
    fake = await MultiChannelDiscord(channels=2).start()
    store = open_store(pg_url)  # schema made once, before the replicas race for it
    bots: list[BotProcess] = []
    try:
        chan_a, chan_b = fake.channel_ids
        key_a = schedule_past_digest(store, chan_a, datetime.now(timezone.utc))
        for name in ("replica-1", "replica-2"):
            env = bot_env(fake, pg_url, free_port(), LEADER_RETRY_SECONDS="2")
            bots.append(await BotProcess(name, env, tmp_path / name).start())
        for bot in bots:
            await bot.wait_healthy(timeout=120)

        # Exactly one leader; it catches up the digest of channel A, once.
        leaders = [bot for bot in bots if await bot.is_leader()]
        assert len(leaders) == 1, [bot.log_text()[-2000:] for bot in bots]
        leader = leaders[0]
        follower = next(bot for bot in bots if bot is not leader)
        await wait_until(lambda: fake.digests_in(chan_a), 60, "channel A's digest")
        await asyncio.sleep(3)  # room for a (wrong) second post to show up
        assert len(fake.digests_in(chan_a)) == 1
        assert store.digest(key_a, store.digests(key_a)[0].local_date).status == "posted"
        assert not await follower.is_leader()

        # The leader dies without a word; channel B's digest falls due meanwhile.
        leader.signal_group(signal.SIGKILL)
        await leader.wait_exit(10)
        key_b = schedule_past_digest(store, chan_b, datetime.now(timezone.utc))

        # The survivor takes the lock within a minute and posts B (not A again).
        await wait_until(follower.is_leader, 60, "the follower to become leader")
        await wait_until(lambda: fake.digests_in(chan_b), 90, "channel B's digest from the new leader")
        await asyncio.sleep(2)
        assert len(fake.digests_in(chan_b)) == 1
        assert len(fake.digests_in(chan_a)) == 1
        assert [d.status for d in store.digests(key_b)] == ["posted"]
        assert follower.running
    finally:
        for bot in bots:
            await bot.stop()
        store.close()
        await fake.stop()
