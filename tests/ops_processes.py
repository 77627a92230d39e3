"""Real `briefbot run` processes against the fake Discord server, for ops tests.

The fake server runs in the test's event loop, so everything here is async: a blocking
wait would stall the fake the processes are talking to. Each process gets its own
session (process group), so a SIGKILL takes its worker pool down with it, as a
container runtime or a crashed host would.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any, Callable

import aiohttp
from fakes.discord_server import FakeDiscord, PostedMessage, RestError, snowflake  # noqa: F401
from prometheus_client.parser import text_string_to_metric_families

BRIEFBOT = str(Path(sys.executable).with_name("briefbot"))
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MultiChannelDiscord(FakeDiscord):
    """The fake with more than one text channel, so two schedules can post separately."""

    def __init__(self, *args: Any, channels: int = 2, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel_ids = [self.channel_id] + [snowflake() for _ in range(channels - 1)]

    def _channel_message(self, cid: str, body: Any) -> dict[str, Any]:
        if cid not in self.channel_ids:
            raise RestError(404, 10003, "Unknown Channel")
        return self.create_channel_message(cid, body or {})

    def digests_in(self, channel_id: str) -> list[PostedMessage]:
        """Channel messages that open a digest (its heading line)."""
        return [m for m in self.channel_messages(channel_id) if "digest" in (m.content or "").lower()]


def bot_env(fake: FakeDiscord, database_url: str, health_port: int, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "SLACK_", "DATABASE_", "HEALTH_", "LOG_", "BRIEFBOT_TEST"))
    }
    env.update(
        {
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_URL": fake.api_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "DATABASE_URL": database_url,
            "HEALTH_PORT": str(health_port),
            "LOG_FORMAT": "json",
            "WORKERS": "1",
            "FEED_POLL_SECONDS": "3600",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


class BotProcess:
    """One `briefbot run`, its log file, and its /healthz and /metrics."""

    def __init__(self, name: str, env: dict[str, str], cwd: Path) -> None:
        self.name = name
        self.env = env
        self.cwd = cwd
        self.port = int(env["HEALTH_PORT"])
        self.log_path = cwd / f"{name}.log"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> "BotProcess":
        self.cwd.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = await asyncio.create_subprocess_exec(
            BRIEFBOT, "run", env=self.env, cwd=self.cwd, stdout=log, stderr=log, start_new_session=True
        )
        log.close()
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_events(self) -> list[dict[str, Any]]:
        events = []
        for line in self.log_text().splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                events.append({"message": line})
        return events

    async def get(self, path: str) -> tuple[int, str]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            async with session.get(f"http://127.0.0.1:{self.port}{path}") as response:
                return response.status, await response.text()

    async def healthz(self) -> tuple[int, dict[str, Any]] | None:
        try:
            status, text = await self.get("/healthz")
            return status, json.loads(text)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            return None

    async def metric(self, name: str, labels: dict[str, str] | None = None) -> float | None:
        try:
            _, text = await self.get("/metrics")
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return None
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and (labels is None or sample.labels == labels):
                    return sample.value
        return None

    async def is_leader(self) -> bool:
        return await self.metric("briefbot_leader") == 1

    async def wait_healthy(self, timeout: float = 60) -> dict[str, Any]:
        report: Any = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise AssertionError(f"{self.name} exited ({self.proc.returncode}):\n{self.log_text()[-3000:]}")
            report = await self.healthz()
            if report and report[0] == 200:
                return report[1]
            await asyncio.sleep(0.3)
        raise AssertionError(f"{self.name} not healthy after {timeout}s: {report}\n{self.log_text()[-3000:]}")

    def signal_group(self, sig: int) -> None:
        if self.running:
            os.killpg(self.proc.pid, sig)

    async def wait_exit(self, timeout: float) -> int:
        assert self.proc is not None
        return await asyncio.wait_for(self.proc.wait(), timeout)

    async def stop(self) -> None:
        """Best-effort cleanup: SIGTERM the group, then SIGKILL if it lingers."""
        if self.proc is None:
            return
        if self.running:
            self.signal_group(signal.SIGTERM)
            try:
                await self.wait_exit(15)
            except asyncio.TimeoutError:
                self.signal_group(signal.SIGKILL)
                await self.wait_exit(10)
        try:  # workers left behind by a SIGKILLed parent
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


async def wait_until(predicate: Callable[[], Any], timeout: float, what: str, step: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        await asyncio.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
