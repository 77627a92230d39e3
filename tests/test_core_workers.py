"""The worker pool: briefs in spawned processes, the event loop stays free, a dead worker is replaced."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from bot.core.workers import ProcessBriefer
from briefings.loading import load_path


@pytest.mark.slow
async def test_process_pool_briefs_off_the_loop_and_survives_a_killed_worker(seed_path):
    articles = load_path(str(seed_path))
    briefer = ProcessBriefer(size=1)
    try:
        await asyncio.to_thread(briefer.warm_up)
        gaps: list[float] = []

        async def ticker():
            last = time.monotonic()
            while True:
                await asyncio.sleep(0.01)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        tick = asyncio.create_task(ticker())
        (brief,) = await briefer.brief(articles, 2)
        tick.cancel()
        assert len(brief.summary) == 2 and brief.quotes
        # The loop kept ticking while the brief was computed elsewhere (generous bound: shared CI).
        assert len(gaps) >= 2 and max(gaps) < 1.0, f"{len(gaps)} ticks, longest gap {max(gaps):.3f}s"

        for pid in list(briefer._executor._processes):  # the pool's worker processes
            os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.2)
        (again,) = await briefer.brief(articles, 2)
        assert again.summary == brief.summary
        assert briefer.calls == 2
    finally:
        briefer.close()


async def test_closing_the_core_does_not_block_the_event_loop_on_the_worker_pool(tmp_path):
    """Stopping the pool waits for a running brief; shutdown steps are bounded by
    asyncio timeouts, which a blocked loop could never enforce."""
    from bot.core.app import Core
    from bot.core.workers import ThreadBriefer
    from bot_helpers import make_settings

    class SlowToClose(ThreadBriefer):
        def close(self) -> None:
            time.sleep(0.6)  # a brief still running in the pool
            super().close()

    core = Core.open(make_settings(tmp_path), briefer=SlowToClose())
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    await core.aclose()
    task.cancel()
    assert ticks >= 5
