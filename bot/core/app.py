"""Assembling the core: database, worker pool, fetching, cache and command service.

Both ``briefbot run`` and ``briefbot console`` build the same ``Core``, so the terminal
exercises exactly what the chat platforms get.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.core.briefs import BriefCache
from bot.core.clock import Clock, SystemClock
from bot.core.outcomes import Observer
from bot.core.service import BriefbotService
from bot.core.sources import Sources
from bot.core.status import STATUS, StatusRegistry
from bot.core.workers import Briefer, ProcessBriefer
from bot.settings import Settings
from bot.storage.db import Store, open_store
from briefings.version import engine_version

log = logging.getLogger(__name__)


@dataclass
class Core:
    settings: Settings
    store: Store
    briefer: Briefer
    sources: Sources
    cache: BriefCache
    service: BriefbotService
    clock: Clock
    status: StatusRegistry

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        briefer: Briefer | None = None,
        clock: Clock | None = None,
        allow_files: bool = False,
        status: StatusRegistry = STATUS,
        observer: Observer | None = None,
    ) -> "Core":
        """Open the database (migrating it) and start the worker pool."""
        clock = clock or SystemClock()
        store = open_store(settings.database_url, brief_engine=engine_version(settings.briefbot_spacy_model))
        status.set("database", True, store.engine.dialect.name)
        if briefer is None:
            briefer = ProcessBriefer(settings.workers, settings.briefbot_spacy_model)
        status.set("workers", True, f"{type(briefer).__name__}")
        sources = Sources.create(settings.briefbot_fetch_allow_hosts, allow_files=allow_files).with_client()
        cache = BriefCache(store, briefer, clock, observer=observer)
        service = BriefbotService(
            store, cache, sources, clock, feed_poll_seconds=settings.feed_poll_seconds, status=status, observer=observer
        )
        return cls(settings, store, briefer, sources, cache, service, clock, status)

    async def aclose(self) -> None:
        """Close in dependency order: stop commands, HTTP, workers, then the database."""
        self.service.accepting = False
        await self.sources.aclose()
        # Closing the pool waits for a running brief: in a thread, so the loop (and the
        # shutdown step's timeout) keeps running meanwhile.
        await asyncio.to_thread(self.briefer.close)
        self.status.set("workers", False, "closed")
        self.store.close()
        self.status.set("database", False, "closed")
