"""/healthz and /metrics over real HTTP on 127.0.0.1, with real checks."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from bot.ops import metrics
from bot.ops.health import (
    CheckResult,
    HealthRegistry,
    HealthServer,
    database_check,
    scheduler_check,
)


@pytest.fixture
async def served():
    """Start a HealthServer on a free port for a registry; stop it afterwards."""
    servers = []

    async def serve(registry: HealthRegistry) -> str:
        server = HealthServer(registry, host="127.0.0.1", port=0)
        await server.start()
        servers.append(server)
        return f"http://127.0.0.1:{server.port}"

    yield serve
    for server in servers:
        await server.stop()


async def get(url: str, **kwargs) -> tuple[int, str, dict]:
    async with aiohttp.ClientSession() as session:
        async with session.get(url, **kwargs) as response:
            return response.status, await response.text(), dict(response.headers)


async def test_healthy_when_every_check_passes(served, tmp_path):
    registry = HealthRegistry()
    registry.register("database", database_check(create_engine(f"sqlite:///{tmp_path / 'ok.db'}")))
    registry.status("discord").up("connected as Briefbot#0001")
    base = await served(registry)
    status, body, _ = await get(base + "/healthz")
    assert status == 200, body
    assert '"status": "ok"' in body


async def test_a_down_connection_gives_503_with_its_reason(served):
    registry = HealthRegistry()
    registry.register("database", lambda: True)
    discord = registry.status("discord", initial="connecting to Discord")
    discord.down("Discord rejected the token (401 Unauthorized): check DISCORD_TOKEN")
    base = await served(registry)
    async with aiohttp.ClientSession() as session:
        async with session.get(base + "/healthz") as response:
            assert response.status == 503
            report = await response.json()
    assert report["status"] == "fail"
    assert report["checks"]["database"] == {"ok": True, "reason": ""}
    assert report["checks"]["discord"]["ok"] is False
    assert report["reason"] == "discord: Discord rejected the token (401 Unauthorized): check DISCORD_TOKEN"
    status, text, _ = await get(base + "/healthz?format=text")
    assert (status, text) == (503, report["reason"] + "\n")


async def test_a_new_status_check_starts_down(served):
    registry = HealthRegistry()
    registry.status("slack")
    status, body, headers = await get(await served(registry) + "/healthz")
    assert status == 503 and "slack: not connected yet" in body
    assert headers["X-Health-Reason"] == "slack: not connected yet"


async def test_database_that_cannot_open_fails_with_the_error(served, tmp_path):
    registry = HealthRegistry()
    registry.register("database", database_check(create_engine(f"sqlite:///{tmp_path}/missing/dir/x.db")))
    status, body, _ = await get(await served(registry) + "/healthz")
    assert status == 503
    assert "database: OperationalError" in body


async def test_slow_and_raising_checks_fail_without_hanging(served):
    async def hangs():
        await asyncio.sleep(30)

    def raises():
        raise ConnectionError("gateway closed")

    registry = HealthRegistry()
    registry.register("slow", hangs, timeout=0.2)
    registry.register("broken", raises)
    registry.register("pair", lambda: (False, "quota exhausted"))
    report = await registry.evaluate()
    assert not report.ok
    assert report.checks["slow"] == CheckResult(False, "no answer within 0.2s")
    assert report.checks["broken"] == CheckResult(False, "ConnectionError: gateway closed")
    assert report.checks["pair"] == CheckResult(False, "quota exhausted")


async def test_scheduler_check_follows_a_real_scheduler():
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    scheduler = AsyncIOScheduler()
    check = scheduler_check(scheduler)
    assert check() == CheckResult(False, "scheduler is not running")
    scheduler.start()
    try:
        assert check().ok
        scheduler.pause()
        assert check() == CheckResult(False, "scheduler is paused")
    finally:
        scheduler.shutdown(wait=False)


async def test_draining_reports_503_even_when_checks_pass(served):
    registry = HealthRegistry()
    registry.register("database", lambda: True)
    registry.set_draining("shutting down (SIGTERM)")
    status, body, _ = await get(await served(registry) + "/healthz?format=text")
    assert (status, body) == (503, "shutting down (SIGTERM)\n")


async def test_no_checks_means_not_ready():
    report = await HealthRegistry().evaluate()
    assert not report.ok and "starting" in report.reason


async def test_status_snapshot_source_is_included():
    from bot.core.status import StatusRegistry

    core = StatusRegistry()
    core.set("workers", True, "2 processes")
    core.set("scheduler", False, "not started")
    registry = HealthRegistry()
    registry.add_source(core.snapshot)
    report = await registry.evaluate()
    assert report.checks["workers"] == CheckResult(True, "2 processes")
    assert report.reason == "scheduler: not started"


async def test_metrics_parse_and_count_an_answered_command(served):
    base = await served(HealthRegistry())

    def commands_ok() -> float:
        _, text, _ = result
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "briefbot_commands_total" and sample.labels == {
                    "platform": "discord",
                    "command": "quotes",
                    "outcome": "ok",
                }:
                    return sample.value
        return 0.0

    result = await get(base + "/metrics")
    assert result[0] == 200 and result[2]["Content-Type"].startswith("text/plain")
    before = commands_ok()
    metrics.record_command("discord", "quotes", "ok")
    result = await get(base + "/metrics")
    assert commands_ok() == before + 1
    names = {family.name for family in text_string_to_metric_families(result[1])}
    assert {
        "briefbot_commands",
        "briefbot_digests_posted",
        "briefbot_feed_fetches",
        "briefbot_brief_seconds",
        "briefbot_worker_queue_depth",
    } <= names


def test_command_labels_stay_bounded():
    metrics.record_command("slack", "https://evil.example/very/long/url", "exploded")
    sample = metrics.COMMANDS.labels(platform="slack", command="other", outcome="error")
    assert sample._value.get() >= 1


async def test_expected_components_fail_until_they_report():
    from bot.core.status import StatusRegistry

    core = StatusRegistry()
    registry = HealthRegistry()
    registry.add_source(core.snapshot, expect=("database", "scheduler", "discord"))
    registry.register("discord", lambda: (True, "connected"))
    core.set("database", True, "sqlite")
    report = await registry.evaluate()
    assert report.reason == "scheduler: not started yet"
    core.set("scheduler", True, "3 jobs")
    assert (await registry.evaluate()).ok
