"""Which replica schedules and posts digests: a PostgreSQL advisory lock.

Any number of `briefbot run` processes may share one PostgreSQL database; all of them
answer commands, but only the leader runs scheduled work (digests, feed polling). The
leader is whoever holds a session-level advisory lock (``pg_try_advisory_lock``) on a
dedicated connection:

* the lock lives as long as that connection: if the holder dies (even SIGKILL) the server
  ends its session and the lock is free at once (a lost host: once TCP keepalives give up,
  about 30 s); followers retry every 80-100 % of ``retry_interval`` (jittered so replicas
  do not knock in step), so a new leader takes over within ``LEADER_RETRY_SECONDS``;
* the leader checks its connection on the same period; if it is gone the process stops
  being leader *before* trying to win again, so two leaders overlap at most one period;
* even then a digest cannot be posted twice: the core records each digest under a unique
  (channel, local date) key before posting.

With SQLite (one process by construction) or no database URL, the process is always leader.

Wiring in the runner::

    elector = LeaderElector(settings.database_url, on_elected=..., on_lost=...)
    await elector.start()              # returns at once; election runs as a task
    ...  in scheduled jobs:  if not elector.is_leader: return
    health.register("leader", elector.check)
    await elector.stop()               # on shutdown: releases the lock for a fast handover
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.ops import metrics
from bot.ops.health import CheckResult
from bot.storage.locks import lock_key

log = logging.getLogger(__name__)

#: Followers try to take the lock this often (seconds), less up to JITTER of it.
DEFAULT_RETRY_INTERVAL = 10.0
JITTER = 0.2
CONNECT_TIMEOUT = 5

Callback = Callable[[], Awaitable[None] | None]


def is_postgres(url: str | None) -> bool:
    if not url:
        return False
    return url.split(":", 1)[0].split("+", 1)[0] in {"postgresql", "postgres"}


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as psycopg/libpq accepts it."""
    return re.sub(r"^postgres(?:ql)?\+[A-Za-z0-9_]+://", "postgresql://", url)


class LeaderElector:
    """Holds or waits for the scheduler lock; ``is_leader`` says which, at any moment."""

    def __init__(
        self,
        database_url: str | None,
        *,
        name: str = "briefbot:scheduler",
        retry_interval: float = DEFAULT_RETRY_INTERVAL,
        jitter: float = JITTER,
        on_elected: Callback | None = None,
        on_lost: Callback | None = None,
    ) -> None:
        self.database_url = database_url
        self.key = lock_key(name)
        self.retry_interval = retry_interval
        self.jitter = jitter
        self.on_elected = on_elected
        self.on_lost = on_lost
        self.is_leader = False
        self.shared = is_postgres(database_url)
        self._conn: Any = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._last_error = ""
        self._elected = asyncio.Event()

    # --- lifecycle --------------------------------------------------------------

    async def start(self) -> None:
        """Begin: lead at once without PostgreSQL, else try once now and keep trying."""
        if not self.shared:
            await self._become_leader("single process (SQLite)")
            return
        await self._attempt()
        self._task = asyncio.create_task(self._loop(), name="leader-election")

    async def stop(self) -> None:
        """Stop competing and release the lock (closing the session frees it)."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self.is_leader and self.shared and self._conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,)), 3)
        await self._close()
        if self.is_leader:
            self.is_leader = False
            metrics.LEADER.set(0)
            log.info("leadership released")

    async def wait_elected(self, timeout: float | None = None) -> bool:
        """Wait until this process leads (True) or ``timeout`` passes (False)."""
        try:
            await asyncio.wait_for(self._elected.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    def check(self) -> CheckResult:
        """Health: a follower is healthy; so is a leader. Losing the database is not."""
        if self.is_leader:
            return CheckResult(True, "leader")
        if self._last_error:
            return CheckResult(False, f"cannot reach PostgreSQL for leader election: {self._last_error}")
        return CheckResult(True, "follower (another replica schedules digests)")

    # --- the election loop ------------------------------------------------------

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            delay = self.retry_interval * (1.0 - random.uniform(0, self.jitter))
            try:
                await asyncio.wait_for(self._stopping.wait(), delay)
                return
            except asyncio.TimeoutError:
                pass
            await self._attempt()

    async def _attempt(self) -> None:
        """Leader: confirm the session still lives. Follower: try to take the lock."""
        try:
            if self.is_leader:
                await self._conn.execute("SELECT 1")
                return
            if self._conn is None or self._conn.closed:
                await self._connect()
            cur = await self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
            row = await cur.fetchone()
            self._last_error = ""
            if row and row[0]:
                await self._become_leader("holds the PostgreSQL advisory lock")
        except asyncio.CancelledError:
            raise
        except Exception as err:
            self._last_error = f"{type(err).__name__}: {err}".strip()
            log.warning("leader election: %s", self._last_error)
            await self._close()
            if self.is_leader:
                await self._lose("the lock's database session was lost")

    async def _connect(self) -> None:
        import psycopg

        self._conn = await psycopg.AsyncConnection.connect(
            libpq_url(self.database_url or ""),
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT,
            application_name="briefbot-leader",
            # Notice a dead peer (and let the server notice us) within about a minute.
            keepalives=1,
            keepalives_idle=15,
            keepalives_interval=5,
            keepalives_count=3,
        )

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    async def _become_leader(self, why: str) -> None:
        self.is_leader = True
        self._elected.set()
        metrics.LEADER.set(1)
        log.info("this process is now the leader: %s", why)
        await _call(self.on_elected, "on_elected")

    async def _lose(self, why: str) -> None:
        self.is_leader = False
        self._elected.clear()
        metrics.LEADER.set(0)
        log.warning("this process is no longer the leader: %s", why)
        await _call(self.on_lost, "on_lost")


async def _call(callback: Callback | None, what: str) -> None:
    if callback is None:
        return
    try:
        result = callback()
        if inspect.isawaitable(result):
            await result
    except Exception:
        log.exception("leader %s callback failed", what)
