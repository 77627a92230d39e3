"""Benchmark: the event loop's worst stall while a 50-story digest runs on Discord.

The production shape: the real core with the spaCy *process* pool (``ProcessBriefer``),
the feed poller and the scheduler's digest path, the Discord adapter on the real
discord.py client, all against the fake Discord server and a local news site on
127.0.0.1. While the feed's 50 new stories are fetched, briefed and posted as the
channel's digest, a user sends a slash command every 100 ms, and a probe task measures
how late the loop wakes it from 5 ms sleeps. Target: worst stall under 100 ms.

    .venv/bin/python bench/event_loop_stall.py [--stories 50] [--interval 0.1]
        [--thread] [--slow-callbacks]

``--thread`` uses the in-process thread briefer the tests use (shares the GIL, so it
stalls more); ``--slow-callbacks`` turns on asyncio debug mode and logs every callback
that held the loop for over 50 ms, naming the culprit.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

TARGET_MS = 100.0


async def main(args: argparse.Namespace) -> int:
    from bot.core.workers import ProcessBriefer, ThreadBriefer
    from fakes.discord_load import run_digest_under_interactions
    from fakes.discord_server import FakeDiscord
    from httpserver import LocalHTTPServer

    loop = asyncio.get_running_loop()
    if args.slow_callbacks:
        loop.set_debug(True)
        loop.slow_callback_duration = 0.05
        logging.getLogger("asyncio").setLevel(logging.WARNING)

    if args.thread:
        from briefings.nlp import load

        load()
        briefer = ThreadBriefer()
    else:
        briefer = ProcessBriefer(1)
        started = time.monotonic()
        await loop.run_in_executor(None, briefer.warm_up)  # spaCy loads in the worker first
        print(f"worker pool ready in {time.monotonic() - started:.1f} s")

    with tempfile.TemporaryDirectory() as tmp, LocalHTTPServer() as http_server:
        fake = await FakeDiscord().start()
        try:
            result = await run_digest_under_interactions(
                Path(tmp), fake, http_server, briefer=briefer, interval=args.interval, stories=args.stories
            )
        finally:
            await fake.stop()
    print(result.summary())
    worst_ms = result.worst_stall * 1000
    verdict = "OK" if worst_ms < TARGET_MS else "OVER TARGET"
    print(f"worst event-loop stall: {worst_ms:.1f} ms (target < {TARGET_MS:.0f} ms): {verdict}")
    return 0 if worst_ms < TARGET_MS else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between interactions")
    parser.add_argument("--thread", action="store_true", help="brief in a thread, not a process")
    parser.add_argument(
        "--slow-callbacks", action="store_true", help="log callbacks that block the loop for over 50 ms"
    )
    return parser.parse_args()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(asyncio.run(main(parse_args())))
