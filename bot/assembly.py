"""The one place the bot is put together, for ``briefbot run`` and ``briefbot console`` alike.

``assemble`` opens the core (database, worker pool, fetching, cache, command service)
and builds the feed poller and the digest scheduler on it; the caller adds only what
is its own: the chat platforms (each deliverer registered here, once) or the terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.app import Core
from bot.core.clock import Clock
from bot.core.interface import Deliverer
from bot.core.outcomes import Observer
from bot.core.status import STATUS, StatusRegistry
from bot.core.workers import Briefer
from bot.scheduling import DigestScheduler, FeedPoller
from bot.settings import Settings


@dataclass
class Bot:
    """The core with its scheduled work."""

    core: Core
    poller: FeedPoller
    scheduler: DigestScheduler

    def add_deliverer(self, deliverer: Deliverer) -> None:
        """Where scheduled digests for ``deliverer.platform`` channels go (one per platform)."""
        self.scheduler.register_deliverer(deliverer)

    async def start_scheduling(self) -> None:
        await self.scheduler.start(poll_seconds=self.core.settings.feed_poll_seconds)

    async def aclose(self) -> None:
        await self.scheduler.shutdown(timeout=5)
        await self.core.aclose()


def assemble(
    settings: Settings,
    *,
    allow_files: bool = False,
    gate: Callable[[], bool] | None = None,
    observer: Observer | None = None,
    briefer: Briefer | None = None,
    clock: Clock | None = None,
    status: StatusRegistry = STATUS,
) -> Bot:
    """Open the core and build the poller and scheduler on it (nothing is started yet).

    ``gate`` says whether this process may run scheduled work (the replica holding the
    lead); ``observer`` receives typed outcomes for metrics.
    """
    core = Core.open(settings, briefer=briefer, clock=clock, allow_files=allow_files, status=status, observer=observer)
    poller = FeedPoller(
        core.store,
        core.sources,
        core.cache,
        core.clock,
        interval_seconds=settings.feed_poll_seconds,
        status=status,
        observer=observer,
    )
    scheduler = DigestScheduler(
        core.store,
        core.service,
        core.clock,
        grace_seconds=settings.digest_grace_seconds,
        poller=poller,
        status=status,
        gate=gate,
        observer=observer,
    )
    return Bot(core, poller, scheduler)
