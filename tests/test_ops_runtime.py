"""Ops bundle in-process: the core's status in /healthz, leader check, clean stop order."""

from __future__ import annotations

import aiohttp

from bot.core.status import StatusRegistry
from bot.ops.runtime import Ops


class FakeSettings:
    """Only the attributes Ops.from_settings reads (the real Settings has them all)."""

    database_url = "sqlite:///:memory:"
    health_port = 0
    log_level = "INFO"
    log_format = "text"
    discord_token = None
    slack_bot_token = None


async def test_ops_serves_core_status_and_stops_in_order(monkeypatch):
    status = StatusRegistry()
    settings = FakeSettings()
    settings.leader_retry_seconds = 1.5  # the Settings field, read once
    ops = Ops.from_settings(settings, status=status, configure_logs=False)
    assert ops.leader.retry_interval == 1.5
    order = []
    ops.on_stop("platforms", lambda: order.append("platforms"))
    ops.on_stop("core", lambda: order.append("core"))
    await ops.start()
    try:
        url = f"http://127.0.0.1:{ops.server.port}/healthz"
        async with aiohttp.ClientSession() as session:
            status.set("discord", False, "Discord rejected DISCORD_TOKEN (401 Unauthorized)")
            status.set("database", True, "sqlite")
            async with session.get(url) as response:
                body = await response.json()
                assert response.status == 503
            assert body["checks"]["leader"] == {"ok": True, "reason": "leader"}
            assert body["reason"] == (
                "discord: Discord rejected DISCORD_TOKEN (401 Unauthorized); scheduler: not started yet"
            )
            status.set("discord", True, "connected")
            status.set("scheduler", True, "2 jobs")
            async with session.get(url) as response:
                assert response.status == 200
    finally:
        assert await ops.stop()
    assert order == ["platforms", "core"]
    assert not ops.leader.is_leader
