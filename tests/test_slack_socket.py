"""Socket Mode: the adapter opens a websocket from apps.connections.open and acks envelopes on it."""

from __future__ import annotations

import pytest
import pytest_asyncio

from fakes.slack_api import FakeSlack
from fakes.slack_harness import SlackHarness

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def fake():
    fake = await FakeSlack().start()
    fake.add_user("UALICE")
    yield fake
    await fake.close()


async def test_socket_mode_acks_a_slash_command_and_answers_through_response_url(tmp_path, fake):
    harness = SlackHarness(tmp_path, fake, slack_app_token=fake.app_token, slack_signing_secret=None)
    try:
        await harness.start()
        platform = harness.platform
        assert platform.mode == "socket" and platform.port is None and platform.is_ready()
        opened = fake.calls_to("apps.connections.open")
        assert len(opened) == 1 and opened[0].token == fake.app_token

        form = harness.form("/briefbot", "help")
        ack, seconds = await fake.send_slash_command(form)
        assert seconds < 1.0
        assert ack["payload"] == {"text": "Working on it\u2026", "response_type": "ephemeral"}

        calls = await fake.wait_for(lambda f: f.calls_to("response_url"))
        assert calls[0].params["response_type"] == "ephemeral"
        assert "/brief" in calls[0].params["blocks"][0]["text"]["text"]
        assert harness.service.invocations[0].command == "help"
        assert harness.service.invocations[0].channel.channel_id == "C0GENERAL"

        bad, _ = await fake.send_slash_command(harness.form("/feeds", "rename"))
        assert "Choose one of" in bad["payload"]["text"] and len(harness.service.invocations) == 1
    finally:
        await harness.close()
    assert not harness.platform.is_ready()


async def test_socket_mode_with_a_refused_app_token_stops_with_one_sentence(tmp_path, fake):
    from bot.settings import SettingsError

    harness = SlackHarness(tmp_path, fake, slack_app_token="xapp-wrong", slack_signing_secret=None)
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN was refused by Slack"):
        await harness.start()
    await harness.close()


async def test_http_mode_with_a_refused_bot_token_stops_with_one_sentence(tmp_path, fake):
    from bot.settings import SettingsError

    harness = SlackHarness(tmp_path, fake, slack_bot_token="xoxb-wrong")
    with pytest.raises(SettingsError, match=r"SLACK_BOT_TOKEN was refused by Slack \(invalid_auth\)"):
        await harness.start()
    await harness.close()
