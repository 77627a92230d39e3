"""``briefbot run`` as a real process against the fake Slack API: start, catch up, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from bot.runner import main
from bot.storage import open_store
from fakes.slack_api import FakeSlack

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_without_platform_says_what_to_set(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert main([]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "DISCORD_TOKEN" in err and "SLACK_BOT_TOKEN" in err
    assert "Traceback" not in err


def test_run_check_validates_settings_and_database(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "token")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x/bot.db")
    assert main(["--check"]) == 0
    assert "platforms: discord" in capsys.readouterr().out
    assert (tmp_path / "x" / "bot.db").exists()
    monkeypatch.setenv("DATABASE_URL", "mysql://nope")
    assert main(["--check"]) == 2
    assert "DATABASE_URL" in capsys.readouterr().err


def test_run_with_a_missing_spacy_model_says_so_in_one_sentence(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "token")
    monkeypatch.setenv("HEALTH_PORT", "0")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/bot.db")
    monkeypatch.setenv("BRIEFBOT_SPACY_MODEL", "no_such_spacy_model")
    assert main(["--check"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "BRIEFBOT_SPACY_MODEL" in err and "no_such_spacy_model" in err
    assert main([]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "BRIEFBOT_SPACY_MODEL" in err and "Traceback" not in err


def test_run_with_the_health_port_taken_says_so_in_one_sentence(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "token")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/bot.db")
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("HEALTH_PORT", str(port))
        assert main([]) == 1  # a runtime failure (StartError), not a wrong setting
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"HEALTH_PORT {port}" in err and "Traceback" not in err


@pytest.mark.slow
async def test_runner_serves_slack_posts_missed_digest_and_stops_on_sigterm(tmp_path):
    fake = await FakeSlack().start()
    db = tmp_path / "data" / "briefbot.db"
    now = datetime.now(timezone.utc)
    due = (now - timedelta(minutes=10)).replace(second=0, microsecond=0)
    store = open_store(f"sqlite:///{db}")
    store.set_schedule("slack:C42", hour=due.hour, minute=due.minute, tz="UTC", days="*", now=now - timedelta(hours=2))
    store.close()
    health = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{db}",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s3cret",
        "SLACK_API_URL": fake.api_url,
        "SLACK_PORT": str(free_port()),
        "HEALTH_PORT": str(health),
        "FEED_POLL_SECONDS": "3600",
        "LOG_LEVEL": "INFO",
    }
    env.pop("DISCORD_TOKEN", None)
    env.pop("SLACK_APP_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.runner", cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        posted = await fake.wait_for(lambda f: f.calls_to("chat.postMessage"), timeout=60)
        assert "C42" in str(posted[0].params) or "C42" in str(posted[0])
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    r = await client.get(f"http://127.0.0.1:{health}/healthz")
                    if r.status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
            assert r.status_code == 200, r.text
            metrics = (await client.get(f"http://127.0.0.1:{health}/metrics")).text
            assert re.search(r"^briefbot_digests_posted_total(\{[^}]*\})? 1\.0$", metrics, re.M), metrics
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), timeout=20)
        err = (await proc.stderr.read()).decode()
        assert code == 0, err
        assert "xoxb-test" not in err and "s3cret" not in err
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.close()
    store = open_store(f"sqlite:///{db}")
    assert [r.status for r in store.digests("slack:C42")] == ["posted"]
    store.close()
