"""GracefulShutdown: real signals to a real process, bounded steps, refused new work."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bot.ops.health import HealthRegistry
from bot.ops.shutdown import GracefulShutdown, ShuttingDown

ROOT = Path(__file__).resolve().parent.parent

PROGRAM = textwrap.dedent("""
    import asyncio, sys
    from bot.ops.shutdown import GracefulShutdown

    async def main():
        shutdown = GracefulShutdown(grace=float(sys.argv[1]))
        shutdown.install()
        done = []

        async def work():
            async with shutdown.in_flight("digest"):
                print("working", flush=True)
                await asyncio.sleep(float(sys.argv[2]))
                done.append("work")

        task = asyncio.create_task(work())
        shutdown.add_step("drain", shutdown.drain)
        shutdown.add_step("close", lambda: print("closed db", flush=True))
        await shutdown.wait()
        await shutdown.run_steps()
        print("finished" if done else "abandoned", flush=True)
        task.cancel()
        return 0

    sys.exit(asyncio.run(main()))
""")


def start(grace: float, work_seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", PROGRAM, str(grace), str(work_seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "working"
    return proc


def test_sigterm_lets_work_in_flight_finish_then_exits_0():
    proc = start(grace=5, work_seconds=0.5)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out.split() == ["closed", "db", "finished"]


def test_work_longer_than_the_grace_is_abandoned_in_bounded_time():
    proc = start(grace=0.5, work_seconds=30)
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert time.monotonic() - started < 5
    assert proc.returncode == 0, err
    assert out.split() == ["closed", "db", "abandoned"]


def test_a_second_signal_exits_at_once_with_1():
    proc = start(grace=30, work_seconds=30)
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=10)
    assert proc.returncode == 1


async def test_stopping_refuses_new_work_and_turns_health_503():
    health = HealthRegistry()
    health.register("database", lambda: True)
    shutdown = GracefulShutdown(grace=1, health=health)
    assert (await health.evaluate()).ok
    shutdown.request_stop("shutting down (SIGTERM)")
    with pytest.raises(ShuttingDown, match="not starting brief: the bot is shutting down"):
        async with shutdown.in_flight("brief"):
            pass
    report = await health.evaluate()
    assert not report.ok and report.reason == "shutting down (SIGTERM)"


async def test_steps_run_in_order_each_bounded_and_failures_do_not_stop_the_rest():
    ran = []

    async def hangs():
        ran.append("hangs")
        await asyncio.sleep(30)

    def fails():
        ran.append("fails")
        raise RuntimeError("already closed")

    shutdown = GracefulShutdown(grace=5)
    shutdown.add_step("hangs", hangs, timeout=0.2)
    shutdown.add_step("fails", fails)
    shutdown.add_step("db", lambda: ran.append("db"))
    started = time.monotonic()
    assert await shutdown.run_steps() is False
    assert ran == ["hangs", "fails", "db"]
    assert time.monotonic() - started < 2
