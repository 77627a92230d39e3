"""``briefbot run`` with Slack settings: the runner starts the Slack adapter, which answers.

Runs ``bot.runner.run`` in this process with the worker process pool swapped for the
in-process thread briefer (the spaCy model is already loaded); settings, ops plumbing,
core, scheduler and the Slack adapter's HTTP server are what ``briefbot run`` starts.
"""

from __future__ import annotations

import asyncio
import socket

import pytest
import pytest_asyncio

from bot import runner
from fakes.slack_api import FakeSlack
from fakes.slack_harness import SlackHarness, seed_page
from httpserver import http_server  # noqa: F401

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def fake():
    fake = await FakeSlack().start()
    yield fake
    await fake.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_briefbot_run_serves_slack_commands(tmp_path, fake, thread_pool, captured_ops, http_server, seed_path):
    _, page = seed_page(seed_path)
    http_server.route("/seed", page)
    harness = SlackHarness(tmp_path, fake, slack_port=free_port(), health_port=0)
    task = asyncio.create_task(runner.run(harness.settings))
    try:
        for _ in range(200):  # the runner warms up, then opens SLACK_PORT
            if task.done() or fake.calls_to("auth.test"):
                break
            await asyncio.sleep(0.05)
        posted = None
        for _ in range(100):
            try:
                posted = await harness.post("/brief", http_server.url("/seed") + " 2")
                break
            except OSError:
                await asyncio.sleep(0.05)
        assert posted is not None and posted.status == 200 and posted.seconds < 1.0
        calls = await fake.wait_for(lambda f: f.calls_to("response_url"), timeout=30)
        assert "Korea" in calls[0].params["blocks"][0]["text"]["text"]
        assert "Who said what" in str(calls[0].params["blocks"])
    finally:
        for ops in captured_ops:
            ops.shutdown.request_stop("test done")
        assert await asyncio.wait_for(task, timeout=30) == 0
    with pytest.raises(OSError):  # the port was closed on stop
        await harness.post("/briefbot", "help")
