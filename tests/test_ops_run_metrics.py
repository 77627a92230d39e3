"""A real `briefbot run` (SQLite, fake Discord): /healthz turns 200 once everything is up,
/metrics parses and counts a command once it is answered, and SIGTERM exits 0."""

from __future__ import annotations

import signal

import pytest
from ops_processes import BotProcess, MultiChannelDiscord, bot_env, free_port

pytestmark = pytest.mark.slow


async def test_run_reports_health_and_counts_an_answered_command(tmp_path):
    fake = await MultiChannelDiscord(channels=1).start()
    bot = BotProcess("bot", bot_env(fake, f"sqlite:///{tmp_path}/briefbot.db", free_port()), tmp_path / "bot")
    try:
        await bot.start()
        report = await bot.wait_healthy(timeout=120)
        assert report["status"] == "ok"
        assert {"database", "scheduler", "discord", "leader"} <= set(report["checks"])
        labels = {"platform": "discord", "command": "help", "outcome": "ok"}
        before = await bot.metric("briefbot_commands_total", labels) or 0.0

        await fake.wait_ready(timeout=30)
        iid = await fake.interact("help")
        await fake.wait_for(lambda: fake.followups_for(iid), 15, "/help answer")

        assert await bot.metric("briefbot_commands_total", labels) == before + 1
        assert await bot.metric("briefbot_events_total", {"event": "commands.help"}) == 1
        assert await bot.metric("briefbot_leader") == 1

        bot.proc.send_signal(signal.SIGTERM)
        assert await bot.wait_exit(20) == 0
        assert fake.token not in bot.log_text()
    finally:
        await bot.stop()
        await fake.stop()
