"""BriefCache: one computation per content, shared by everyone asking at once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from bot.core.briefs import BriefCache
from bot.core.clock import FakeClock
from bot.storage import open_store
from briefings.model import Article, Brief, OffsetMap

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


class GatedBriefer:
    """Briefs only when the test opens the gate; counts the batches it was sent."""

    def __init__(self) -> None:
        self.calls = 0
        self.articles_briefed = 0
        self.gate = asyncio.Event()
        self.started = asyncio.Event()

    async def brief(self, articles: list[Article], sentences: int) -> list[Brief]:
        self.calls += 1
        self.articles_briefed += len(articles)
        self.started.set()
        await self.gate.wait()
        return [Brief(article=a, summary=(a.text,), summary_spans=((0, len(a.text)),), quotes=()) for a in articles]

    def close(self) -> None:
        pass


def article(n: int) -> Article:
    text = f"Story number {n}."
    return Article(text=text, original=text, offsets=OffsetMap((0,), (0,)), title=f"Story {n}", url=f"http://x/{n}")


async def test_a_cancelled_requester_does_not_cancel_the_others_waiting_on_its_brief(tmp_path):
    """Two channels ask for the same story; the first (which computes) is cancelled, e.g.
    its platform closing: the second still gets its brief instead of a CancelledError."""
    store = open_store(f"sqlite:///{tmp_path}/bot.db")
    briefer = GatedBriefer()
    cache = BriefCache(store, briefer, FakeClock(T0))
    try:
        first = asyncio.create_task(cache.briefs([article(1)]))
        await briefer.started.wait()
        second = asyncio.create_task(cache.briefs([article(1)]))
        await asyncio.sleep(0.2)  # the second is now waiting on the first's computation
        first.cancel()
        await asyncio.sleep(0.05)
        briefer.gate.set()
        (brief,) = await asyncio.wait_for(second, 5)
        assert brief.summary == ("Story number 1.",)
        assert first.cancelled()
    finally:
        store.close()
