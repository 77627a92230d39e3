"""The lease on a digest attempt, and the heartbeat that keeps it while the attempt runs.

A digest's row says which attempt holds it (``Digest.attempts``, the owner's token) and
when that attempt last showed it is alive (``Digest.attempt_seen_at``). Claiming or
beginning an attempt sets the lease; its owner renews it every ``HEARTBEAT_SECONDS``
while it builds and sends, and before each message it sends. Another scheduler (another
process on the same database, a restart overlapping the old process, a new leader) may
begin an attempt only when the lease was given back (a failed attempt, a clean shutdown)
or is older than ``LEASE_SECONDS`` (its owner was killed, or hung): the check is in the
``UPDATE``'s ``WHERE`` (``Store.begin_digest_attempt``), so it is atomic.

Times are the schedulers' injected clocks (``bot.core.clock``), like every other time on
a digest's row, so tests that move a fake clock move leases too; between replicas the
lease assumes their clocks agree to well within ``LEASE_SECONDS`` (NTP does far better).

An owner that finds it lost the lease (a later attempt took the digest because it had
stopped renewing) stops before its next message: ``LeaseLost``.
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType

from bot.core.clock import Clock
from bot.storage.db import Store
from bot.storage.models import Digest

log = logging.getLogger(__name__)

#: A lease not renewed for this long is stale: its attempt may be taken over. Well above
#: the heartbeat (a few missed beats, a slow database, are not a takeover), short enough
#: that a digest whose process was killed is resumed promptly within the grace period.
LEASE_SECONDS = 30.0
#: How often the owner of an attempt renews its lease while it builds and sends.
HEARTBEAT_SECONDS = 5.0


class LeaseLost(Exception):
    """Another scheduler took over this attempt's digest; this one must stop sending."""


class AttemptLease:
    """Attempt ``row.attempts`` of a digest, held while used as ``async with``: a background
    heartbeat renews it; ``check`` renews it at once and says whether it is still held."""

    def __init__(self, store: Store, clock: Clock, row: Digest, *, heartbeat: float = HEARTBEAT_SECONDS) -> None:
        self.store = store
        self.clock = clock
        self.digest_id = row.id
        self.attempt = row.attempts
        self.heartbeat = heartbeat
        self.lost = False
        self._beat: asyncio.Task[None] | None = None

    async def __aenter__(self) -> AttemptLease:
        self._beat = asyncio.get_running_loop().create_task(self._beating(), name=f"digest {self.digest_id} lease")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def stop(self) -> None:
        """End the heartbeat (and wait for it, so no renewal lands after a release)."""
        beat, self._beat = self._beat, None
        if beat is not None and not beat.done():
            beat.cancel()
            await asyncio.wait([beat])

    async def check(self) -> None:
        """Renew now; ``LeaseLost`` if another attempt holds the digest (before a message goes out)."""
        if self.lost or not await self._renew():
            self.lost = True
            raise LeaseLost(f"digest {self.digest_id}: attempt {self.attempt} no longer holds it")

    async def release(self) -> None:
        """Give the attempt back (a clean shutdown): the next scheduler resumes it at once."""
        await self.stop()
        await self.store.run(self.store.release_digest_lease, self.digest_id, self.attempt)

    async def _renew(self) -> bool:
        return await self.store.run(self.store.renew_digest_lease, self.digest_id, self.attempt, self.clock.now())

    async def _beating(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                held = await self._renew()
            except Exception:  # the database is away for a moment: the next beat tries again
                log.warning("renewing the lease of digest %d failed; retrying", self.digest_id, exc_info=True)
                continue
            if not held:
                self.lost = True
                log.warning("digest %d: attempt %d lost its lease to another scheduler", self.digest_id, self.attempt)
                return
