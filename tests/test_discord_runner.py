"""``briefbot run`` on Discord: the runner itself starts the adapter against the fake Discord.

Runs ``bot.runner`` in this process (faster than a subprocess: the spaCy model is already
loaded by the session fixture). One seam: the runner's worker *process* pool is replaced
by the in-process thread briefer, so no new interpreter has to load spaCy; everything
else — settings from the environment, ops plumbing, core, scheduler, the real discord.py
client over sockets with a zlib-stream gateway — is what ``briefbot run`` does.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import pytest

from bot import runner
from fakes.discord_harness import discord_env, discord_settings
from fakes.discord_server import FakeDiscord, FakeDiscordInThread
from httpserver import http_server  # noqa: F401


async def run_until(settings, captured_ops, body) -> int:
    """Run the real runner; once Discord is connected, run ``body``, then stop the bot."""
    task = asyncio.create_task(runner.run(settings))
    try:
        await body()
    finally:
        for ops in captured_ops:
            ops.shutdown.request_stop("test done")
        code = await asyncio.wait_for(task, timeout=30)
    captured_ops.clear()
    return code


@pytest.mark.asyncio(loop_scope="session")
async def test_briefbot_run_answers_on_discord_and_syncs_commands_only_once(
    tmp_path, thread_pool, captured_ops, http_server, seed_path
):
    http_server.route("/seed", seed_path.read_text(encoding="utf-8"), content_type="text/plain; charset=utf-8")
    seed_url = http_server.url("/seed")
    fake = await FakeDiscord().start()
    settings = discord_settings(tmp_path, fake)
    try:

        async def first_run() -> None:
            await fake.wait_ready(timeout=30)
            iid = await fake.interact("brief", {"url": seed_url, "sentences": 3})
            (msg,) = await fake.wait_for(lambda: fake.followups_for(iid), 30, "/brief answer")
            assert fake.callback_for(iid).type == 5
            assert fake.callback_for(iid).at - fake.interactions[iid].at < 1.0
            embed = msg.embeds[0]
            assert "Korea" in embed["title"] and embed["description"].count("• ") == 3
            assert any("Biden" in f["name"] for f in embed["fields"])
            assert msg.payload["allowed_mentions"] == {"parse": []}

        assert await run_until(settings, captured_ops, first_run) == 0
        assert len(fake.command_puts) == 1
        assert fake.connections[0].compress == "zlib-stream"
        assert all(c.ws.closed for c in fake.connections)  # the runner disconnected on stop

        async def second_run() -> None:
            await fake.wait_ready(timeout=30, after=1)
            iid = await fake.interact("help")
            await fake.wait_for(lambda: fake.followups_for(iid), 15, "/help answer")

        assert await run_until(settings, captured_ops, second_run) == 0
        assert len(fake.command_puts) == 1, "unchanged commands were synced again"
        assert len(fake.requests_to("GET", r"^/users/@me$")) == 2
        assert (tmp_path / "data" / "discord-commands.json").exists()
    finally:
        await fake.stop()


@pytest.mark.asyncio(loop_scope="session")
async def test_briefbot_run_with_a_rejected_token_says_so_once_and_reports_unhealthy(
    tmp_path, thread_pool, captured_ops, caplog
):
    """One clear error line, no traceback; the process stays up so /healthz can say why."""
    fake = await FakeDiscord().start()
    settings = discord_settings(tmp_path, fake, discord_token="wrong-token")
    try:

        async def body() -> None:
            report = None
            for _ in range(600):
                if captured_ops:
                    report = await captured_ops[0].health.evaluate()
                    if "401" in report.reason:
                        break
                await asyncio.sleep(0.05)
            assert report is not None and not report.ok
            assert "DISCORD_TOKEN" in report.reason and "401" in report.reason

        assert await run_until(settings, captured_ops, body) == 0
    finally:
        await fake.stop()
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "DISCORD_TOKEN" in errors[0].getMessage() and "401" in errors[0].getMessage()
    assert errors[0].exc_info is None
    requests = fake.requests_to("GET", r"^/users/@me$")
    assert requests and requests[0].status == 401


@pytest.mark.skipif(
    not os.environ.get("BRIEFBOT_SUBPROCESS_TESTS"),
    reason="spawns `briefbot run` with its spaCy process pool (~15 s); set BRIEFBOT_SUBPROCESS_TESTS=1",
)
def test_briefbot_run_subprocess_answers_and_stops_on_sigterm(tmp_path, http_server, seed_path):
    """The whole production path: a separate process, its worker pool, SIGTERM to stop."""
    http_server.route("/seed", seed_path.read_text(encoding="utf-8"), content_type="text/plain; charset=utf-8")
    with FakeDiscordInThread() as served:
        fake = served.fake
        env = {**os.environ, **discord_env(tmp_path, fake)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            served.call(fake.wait_ready(timeout=60), timeout=70)
            iid = served.call(fake.interact("brief", {"url": http_server.url("/seed")}))
            served.call(fake.wait_for(lambda: fake.followups_for(iid), 60), timeout=70)
            assert fake.callback_for(iid).type == 5
            assert "Korea" in fake.followups_for(iid)[0].embeds[0]["title"]
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err[-2000:]
        assert "Traceback" not in err
