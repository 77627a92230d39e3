"""The fake Discord itself, checked at the wire level (so the adapter tests can trust it)."""

from __future__ import annotations

import asyncio
import json
import time
import zlib

import aiohttp
import pytest
import pytest_asyncio

from fakes.discord_server import FakeDiscord

pytestmark = pytest.mark.asyncio(loop_scope="session")

SYNC_FLUSH_TAIL = b"\x00\x00\xff\xff"


@pytest_asyncio.fixture(loop_scope="session")
async def fake():
    fake = await FakeDiscord(heartbeat_interval_ms=45_000, interaction_deadline=0.5).start()
    yield fake
    await fake.stop()


async def _receive_json(ws, inflator=None) -> dict:
    msg = await ws.receive(timeout=5)
    if inflator is None:
        assert msg.type is aiohttp.WSMsgType.TEXT
        return json.loads(msg.data)
    assert msg.type is aiohttp.WSMsgType.BINARY
    assert msg.data.endswith(SYNC_FLUSH_TAIL)  # each message is a complete, flushed unit
    return json.loads(inflator.decompress(msg.data))


@pytest.mark.parametrize("compress", ["zlib-stream", None])
async def test_gateway_handshake_with_and_without_zlib_stream(fake, compress):
    query = "?v=10&encoding=json" + (f"&compress={compress}" if compress else "")
    inflator = zlib.decompressobj() if compress else None  # ONE inflator for the connection
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(fake.gateway_url + query) as ws:
            hello = await _receive_json(ws, inflator)
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 45_000
            await ws.send_json({"op": 1, "d": None})
            assert (await _receive_json(ws, inflator))["op"] == 11
            await ws.send_json({"op": 2, "d": {"token": fake.token, "intents": 1, "properties": {}}})
            ready = await _receive_json(ws, inflator)
            assert (ready["t"], ready["s"]) == ("READY", 1)
            assert ready["d"]["application"]["id"] == fake.app_id
            assert ready["d"]["resume_gateway_url"] == fake.resume_gateway_url
            assert ready["d"]["guilds"] == [{"id": fake.guild_id, "unavailable": True}]
            guild = await _receive_json(ws, inflator)
            assert guild["t"] == "GUILD_CREATE" and guild["d"]["channels"][0]["id"] == fake.channel_id
            iid = await fake.interact("brief", {"url": "https://x.example", "sentences": 2})
            event = await _receive_json(ws, inflator)
            assert event["t"] == "INTERACTION_CREATE" and event["s"] == 3
            data = event["d"]["data"]
            assert event["d"]["id"] == iid and data["name"] == "brief"
            assert data["options"] == [
                {"name": "url", "value": "https://x.example", "type": 3},
                {"name": "sentences", "value": 2, "type": 4},
            ]


async def test_wrong_token_on_identify_closes_4004(fake):
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(fake.gateway_url) as ws:
            await ws.receive(timeout=5)
            await ws.send_json({"op": 2, "d": {"token": "nope"}})
            msg = await ws.receive(timeout=5)
            assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 4004


async def test_resume_replays_missed_events_then_resumed(fake):
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(fake.gateway_url) as ws:
            await ws.receive(timeout=5)
            await ws.send_json({"op": 2, "d": {"token": fake.token}})
            ready = json.loads((await ws.receive(timeout=5)).data)
            await ws.receive(timeout=5)  # GUILD_CREATE, seq 2
        session_id = ready["d"]["session_id"]
        await fake.interact("help")  # while disconnected: seq 3, kept for replay
        async with session.ws_connect(fake.resume_gateway_url) as ws:
            await ws.receive(timeout=5)
            await ws.send_json({"op": 6, "d": {"token": fake.token, "session_id": session_id, "seq": 2}})
            replayed = json.loads((await ws.receive(timeout=5)).data)
            resumed = json.loads((await ws.receive(timeout=5)).data)
            assert (replayed["t"], replayed["s"]) == ("INTERACTION_CREATE", 3)
            assert resumed["t"] == "RESUMED"
            await ws.send_json({"op": 6, "d": {"token": fake.token, "session_id": "unknown", "seq": 1}})
            invalid = json.loads((await ws.receive(timeout=5)).data)
            assert invalid == {"op": 9, "s": None, "t": None, "d": False}


async def test_rest_auth_rate_limit_and_interaction_rules(fake):
    auth = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(fake.api_url + "/users/@me") as resp:
            assert resp.status == 401
        async with session.get(fake.api_url + "/users/@me", headers=auth) as resp:
            assert resp.status == 200 and resp.headers["Content-Type"] == "application/json"
            assert (await resp.json())["id"] == fake.app_id

        rule = fake.rate_limit("GET", r"^/gateway/bot$", times=1, retry_after=0.25)
        async with session.get(fake.api_url + "/gateway/bot", headers=auth) as resp:
            assert resp.status == 429
            assert resp.headers["X-RateLimit-Remaining"] == "0"
            assert resp.headers["Retry-After"] == "1" and resp.headers["Via"]
            body = await resp.json()
            assert body["retry_after"] == 0.25 and body["global"] is False
        async with session.get(fake.api_url + "/gateway/bot", headers=auth) as resp:
            assert resp.status == 429  # too early: still limited, and noted
        assert len(fake.rate_limit_violations) == 1 and len(rule.hits) == 2
        await asyncio.sleep(0.3)
        async with session.get(fake.api_url + "/gateway/bot", headers=auth) as resp:
            assert resp.status == 200 and (await resp.json())["url"] == fake.gateway_url
        fake.rate_limit_violations.clear()

        # no connection needed for REST rules: register an interaction by hand
        fake.sessions.clear()
        iid_ok = await _interaction_without_gateway(fake)
        sent = fake.interactions[iid_ok]
        hook = f"{fake.api_url}/webhooks/{fake.app_id}/{sent.token}"
        async with session.post(hook, json={"content": "too soon"}) as resp:
            assert resp.status == 404 and (await resp.json())["code"] == 10015
        cb = f"{fake.api_url}/interactions/{iid_ok}/{sent.token}/callback?with_response=1"
        async with session.post(cb, json={"type": 5}) as resp:
            assert resp.status == 200
            assert (await resp.json())["interaction"]["response_message_loading"] is True
        async with session.post(cb, json={"type": 5}) as resp:
            assert (await resp.json())["code"] == 40060  # acknowledged twice
        async with session.post(hook + "?wait=true", json={"content": "x" * 2001}) as resp:
            assert resp.status == 400 and (await resp.json())["code"] == 50035
        embed = {"title": "t", "fields": [{"name": "n", "value": "v" * 1025}]}
        async with session.post(hook + "?wait=true", json={"embeds": [embed]}) as resp:
            assert resp.status == 400
        async with session.post(hook + "?wait=true", json={"content": "ok"}) as resp:
            assert resp.status == 200 and (await resp.json())["content"] == "ok"
        async with session.post(hook, json={"content": "no wait"}) as resp:
            assert resp.status == 204
        assert [m.content for m in fake.followups_for(iid_ok)] == ["ok", "no wait"]

        late = await _interaction_without_gateway(fake)
        await asyncio.sleep(0.6)  # past this fake's 0.5 s deadline
        tok = fake.interactions[late].token
        async with session.post(f"{fake.api_url}/interactions/{late}/{tok}/callback", json={"type": 5}) as resp:
            assert resp.status == 404 and (await resp.json())["code"] == 10062


async def _interaction_without_gateway(fake: FakeDiscord) -> str:
    from fakes.discord_server import GatewaySession

    session = GatewaySession(session_id=f"offline-{time.monotonic()}")
    fake.sessions[session.session_id] = session
    return await fake.interact("help")
