"""Who may change feeds and schedules on Slack, and the Web API's bad days (429s, missing scopes)."""

from __future__ import annotations

import time

import pytest
import pytest_asyncio

from bot.core.interface import ChannelRef, DeliveryKey, Reply
from bot.platforms.slack import ManagerCheck, SlackDeliverer, web_client
from fakes.slack_api import FakeSlack

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def fake():
    fake = await FakeSlack().start()
    fake.add_user("UMEMBER")
    fake.add_user("UADMIN", admin=True)
    fake.add_user("UOWNER", owner=True)
    fake.add_user("UEDITOR")
    fake.add_usergroup("S1", "news-editors", "News Editors", ["UEDITOR"])
    fake.add_usergroup("S2", "other", "Other people", ["UMEMBER"])
    yield fake
    await fake.close()


@pytest.mark.parametrize("group", ["news-editors", "@news-editors", "News Editors", " NEWS-EDITORS "])
async def test_the_manager_group_is_found_by_handle_or_name(fake, group):
    check = ManagerCheck(web_client(fake.bot_token, fake.api_url), group)
    assert await check.allows("UEDITOR")
    assert not await check.allows("UMEMBER")  # a member of another group only


async def test_admins_and_owners_are_managers_without_a_group(fake):
    check = ManagerCheck(web_client(fake.bot_token, fake.api_url), None)
    assert await check.allows("UADMIN") and await check.allows("UOWNER")
    assert not await check.allows("UEDITOR") and not await check.allows("UMEMBER")
    assert not fake.calls_to("usergroups.list")  # no group configured, no lookup


async def test_failed_lookups_refuse_and_are_logged(fake, caplog):
    check = ManagerCheck(web_client(fake.bot_token, fake.api_url), "news-editors")
    fake.fail_next("users.info", "missing_scope", status=200, retry_after=None)
    fake.fail_next("usergroups.list", "missing_scope", status=200, retry_after=None)
    assert not await check.allows("UADMIN")
    assert "users.info for UADMIN failed" in caplog.text and "missing_scope" in caplog.text
    assert await check.allows("UADMIN")  # the next try works again


async def test_a_group_name_that_matches_nothing_is_logged(fake, caplog):
    check = ManagerCheck(web_client(fake.bot_token, fake.api_url), "no-such-group")
    assert not await check.allows("UEDITOR")
    assert "matches no user group" in caplog.text


async def test_the_deliverer_waits_out_a_rate_limit(fake):
    deliverer = SlackDeliverer(web_client(fake.bot_token, fake.api_url))
    fake.fail_next("chat.postMessage")  # 429, Retry-After: 1
    started = time.monotonic()
    (message,) = await deliverer.prepare(Reply(text="Daily digest: nothing new."))
    await deliverer.send(ChannelRef("slack", "C5"), message, DeliveryKey("t5", 0))
    attempts = [c for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == "C5"]
    assert len(attempts) == 2 and time.monotonic() - started >= 0.9
