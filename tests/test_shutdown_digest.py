"""SIGTERM while a scheduled digest is being posted: `briefbot run` exits 0 in bounded
time and leaves the digest's row saying exactly what was delivered: a digest finished
within the grace is "posted" and the next start does not post it again; one given up
(nothing reached the channel) stays unfinished and the next start delivers it, once.

The fake Discord server holds the digest mid-delivery by answering its POST with 429
(Retry-After), as Discord does under load; SIGTERM lands during that wait.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from datetime import datetime, timedelta, timezone

import pytest
from ops_processes import BotProcess, MultiChannelDiscord, bot_env, free_port, wait_until

from bot.storage.db import open_store

pytestmark = pytest.mark.slow

GRACE = 6.0


def digest_rows(db_path) -> list[tuple[str, str]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT channel, status FROM digests ORDER BY id").fetchall()


def schedule_due_digest(url: str, key: str) -> None:
    """A UTC schedule whose time was a minute ago (within the grace), set well before it."""
    now = datetime.now(timezone.utc)
    due = now - timedelta(minutes=1)
    store = open_store(url)
    store.set_schedule(key, hour=due.hour, minute=due.minute, tz="UTC", days="*", now=now - timedelta(minutes=10))
    store.close()


# Two moments for SIGTERM: while a digest is being delivered (the scheduler must stop,
# letting it finish, before the platforms close), and during start-up's catch-up digest
# (start-up races the stop request, so SIGTERM does not wait for the whole delivery).


@pytest.mark.parametrize(
    "when, hold_seconds",
    [
        # A digest the running scheduler fires (its minute sweep), held 2 s: well within the
        # grace, so it must be finished and recorded as posted.
        pytest.param("while-running", 2.0),
        # The catch-up digest of a fresh start, held 30 s: longer than the grace, so the
        # process must give up on it in bounded time and record it consistently.
        pytest.param("at-startup", 30.0),
    ],
)
async def test_sigterm_during_a_digest(tmp_path, when, hold_seconds):
    db_path = tmp_path / "briefbot.db"
    url = f"sqlite:///{db_path}"
    fake = await MultiChannelDiscord(channels=1).start()
    bots: list[BotProcess] = []
    try:
        channel = fake.channel_ids[0]
        key = f"discord:{channel}"
        env = bot_env(fake, url, free_port(), SHUTDOWN_GRACE_SECONDS=str(GRACE))
        hold = fake.rate_limit("POST", r"^/channels/\d+/messages$", times=1, retry_after=hold_seconds)
        bot = BotProcess("first", env, tmp_path / "first")
        bots.append(bot)
        if when == "at-startup":
            schedule_due_digest(url, key)
            await bot.start()
        else:
            await bot.start()
            await bot.wait_healthy(timeout=120)
            schedule_due_digest(url, key)
        await wait_until(lambda: hold.hits, 130, "the digest's first POST (held with a 429)")
        bot.proc.send_signal(signal.SIGTERM)  # as `docker stop` does to PID 1
        stopped = time.monotonic()
        try:
            code = await bot.wait_exit(GRACE + 10)
        except asyncio.TimeoutError:
            pytest.fail(f"still running {GRACE + 10:.0f}s after SIGTERM:\n{bot.log_text()[-2000:]}")
        assert code == 0, bot.log_text()[-3000:]
        assert time.monotonic() - stopped < GRACE + 8

        rows = digest_rows(db_path)
        assert len(rows) == 1, rows
        status = rows[0][1]
        posted = fake.channel_messages(channel)
        if when == "while-running":
            assert (status, len(posted)) == ("posted", 1), "the digest in flight was not finished"
        else:
            # Given up: never recorded as posted, and nothing reached the channel.
            assert status != "posted" and posted == [], (status, posted)
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)

        # The next start never posts a delivered digest again, and resumes one given up.
        before = len(fake.channel_messages(channel))
        again = await BotProcess("second", env | {"HEALTH_PORT": str(free_port())}, tmp_path / "second").start()
        bots.append(again)
        await again.wait_healthy(timeout=120)
        if when == "while-running":
            await asyncio.sleep(3)
            assert len(fake.channel_messages(channel)) == before
            assert digest_rows(db_path) == rows
        else:
            await wait_until(lambda: digest_rows(db_path) == [(key, "posted")], 60, "the resumed digest")
            await asyncio.sleep(2)
            assert len(fake.channel_messages(channel)) == 1
    finally:
        for bot in bots:
            await bot.stop()
        await fake.stop()
