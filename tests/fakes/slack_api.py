"""A fake Slack on 127.0.0.1: Web API methods, response_url hooks and a Socket Mode socket.

It speaks the wire formats slack_sdk speaks (form, JSON or query parameters in, JSON
``{"ok": ...}`` out, bearer tokens in ``Authorization``), records every call, and
refuses what real Slack refuses that matters here: a wrong token, and messages over
the Block Kit limits (``invalid_blocks``), so a rendering bug fails a test instead of
passing silently.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import WSMsgType, web

BOT_USER_ID = "UBRIEFBOT"
TEAM_ID = "T0TEST"


@dataclass
class Call:
    """One request the fake received."""

    method: str  # Web API method, or "response_url"
    params: dict[str, Any]
    token: str | None
    at: float = field(default_factory=time.monotonic)


def block_problems(blocks: Any) -> list[str]:
    """What real Slack would reject in ``blocks`` (the limits the adapter must respect)."""
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not isinstance(blocks, list):
        return ["blocks is not a list"]
    problems = []
    if len(blocks) > 50:
        problems.append(f"{len(blocks)} blocks (max 50)")
    for i, block in enumerate(blocks):
        kind = block.get("type")
        text = block.get("text") or {}
        if kind == "header":
            if text.get("type") != "plain_text":
                problems.append(f"block {i}: header text must be plain_text")
            if len(text.get("text", "")) > 150:
                problems.append(f"block {i}: header over 150 chars")
        elif kind == "section":
            if not text.get("text"):
                problems.append(f"block {i}: empty section")
            if len(text.get("text", "")) > 3000:
                problems.append(f"block {i}: section over 3000 chars")
        elif kind == "context":
            elements = block.get("elements", [])
            if not elements or len(elements) > 10:
                problems.append(f"block {i}: context needs 1-10 elements")
            if any(len(e.get("text", "")) > 3000 for e in elements):
                problems.append(f"block {i}: context element over 3000 chars")
        elif kind != "divider":
            problems.append(f"block {i}: unexpected type {kind!r}")
    return problems


@dataclass
class PostHold:
    """Holds the ``nth`` ``chat.postMessage`` (1-based, every attempt counted) open.

    ``after_create``: the message is stored first and only the answer is held (a crash
    with the message in flight); otherwise nothing is stored, then or after release.
    """

    nth: int
    after_create: bool
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


class FakeSlack:
    """Start with ``await FakeSlack().start()``; ``api_url`` goes into ``SLACK_API_URL``."""

    def __init__(self, bot_token: str = "xoxb-test", app_token: str = "xapp-test") -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.usergroups: list[dict[str, Any]] = []
        self.group_members: dict[str, list[str]] = {}
        self.failures: dict[str, list[tuple[int, dict, dict]]] = {}
        self._ts = itertools.count(1)
        #: channel -> messages posted there (oldest first), as conversations.history returns them
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.holds: list[PostHold] = []
        self.message_posts = 0
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_ready = asyncio.Event()
        self._acks: dict[str, asyncio.Future] = {}

    # --- set-up --------------------------------------------------------------------------

    def add_user(self, user_id: str, *, admin: bool = False, owner: bool = False) -> None:
        self.users[user_id] = {
            "id": user_id,
            "name": user_id.lower(),
            "team_id": TEAM_ID,
            "is_admin": admin,
            "is_owner": owner,
            "is_primary_owner": False,
            "is_bot": False,
            "deleted": False,
        }

    def fail_next(
        self, method: str, error: str = "ratelimited", status: int = 429, retry_after: int | None = 1
    ) -> None:
        """The next call of ``method`` fails as Slack would (429 + Retry-After by default)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.failures.setdefault(method, []).append((status, {"ok": False, "error": error}, headers))

    def add_usergroup(self, group_id: str, handle: str, name: str, members: list[str]) -> None:
        self.usergroups.append({"id": group_id, "team_id": TEAM_ID, "handle": handle, "name": name})
        self.group_members[group_id] = list(members)

    async def start(self) -> "FakeSlack":
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        for hold in self.holds:
            hold.release.set()
        for ws in list(self._sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self) -> str:
        """A fresh response_url, as Slack sends one with each slash command."""
        return f"{self.base}/response/{uuid.uuid4().hex}"

    def hold_post(self, nth: int, *, after_create: bool) -> PostHold:
        """Hold the ``nth`` chat.postMessage from now on (see ``PostHold``)."""
        hold = PostHold(self.message_posts + nth, after_create)
        self.holds.append(hold)
        return hold

    # --- inspection ----------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def posts(self) -> list[Call]:
        """Every message the bot sent, whichever way it went."""
        return [c for c in self.calls if c.method in ("chat.postMessage", "chat.postEphemeral", "response_url")]

    async def wait_for(self, predicate: Callable[["FakeSlack"], Any], timeout: float = 10.0) -> Any:
        """Wait until ``predicate(self)`` is truthy and return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self)
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"fake Slack: condition not met in {timeout}s; calls: {[c.method for c in self.calls]}"
                )
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.25))
            except asyncio.TimeoutError:
                pass

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._changed.set()

    # --- Web API -------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        self._record(Call(method, params, token))
        failure = self.failures.get(method)
        if failure:
            status, body, headers = failure.pop(0)
            return web.json_response(body, status=status, headers=headers)
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        hold = None
        if method == "chat.postMessage":
            self.message_posts += 1
            hold = next((h for h in self.holds if h.nth == self.message_posts), None)
        if hold is not None and not hold.after_create:
            hold.reached.set()
            self._changed.set()
            await hold.release.wait()
            return web.json_response({"ok": False, "error": "service_unavailable"}, status=503)
        answer = handler(params)
        if hold is not None:
            hold.reached.set()
            self._changed.set()
            await hold.release.wait()
        return web.json_response(answer)

    def _m_auth_test(self, params: dict) -> dict:
        return {
            "ok": True,
            "url": "https://test.slack.com/",
            "team": "Test",
            "user": "briefbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": "BBRIEFBOT",
        }

    def _message(self, params: dict) -> dict:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        problems = block_problems(params.get("blocks", []))
        if problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        return {"ok": True, "channel": params["channel"], "ts": f"{time.time():.0f}.{next(self._ts):06d}"}

    def _m_chat_postMessage(self, params: dict) -> dict:
        reply = self._message(params)
        if reply["ok"]:
            metadata = params.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata or "null")
            blocks = params.get("blocks", [])
            self.history.setdefault(params["channel"], []).append(
                {
                    "type": "message",
                    "ts": reply["ts"],
                    "text": params.get("text", ""),
                    "user": BOT_USER_ID,
                    "bot_id": "BBRIEFBOT",
                    "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks,
                    "metadata": metadata,
                }
            )
        return reply

    def _m_conversations_history(self, params: dict) -> dict:
        """Newest first; ``metadata`` only with ``include_all_metadata``, as Slack does."""
        channel = params.get("channel", "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        with_meta = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        limit = int(params.get("limit") or 100)
        messages = []
        for item in reversed(self.history.get(channel, [])):
            shown = {k: v for k, v in item.items() if k != "metadata"}
            if with_meta and item.get("metadata"):
                shown["metadata"] = item["metadata"]
            messages.append(shown)
        return {"ok": True, "messages": messages[:limit], "has_more": len(messages) > limit}

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Messages posted to ``channel`` (oldest first)."""
        return list(self.history.get(channel, []))

    def _m_chat_postEphemeral(self, params: dict) -> dict:
        reply = self._message(params)
        return {"ok": True, "message_ts": reply["ts"]} if reply["ok"] else reply

    def _m_users_info(self, params: dict) -> dict:
        user = self.users.get(params.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _m_usergroups_list(self, params: dict) -> dict:
        return {"ok": True, "usergroups": self.usergroups}

    def _m_usergroups_users_list(self, params: dict) -> dict:
        members = self.group_members.get(params.get("usergroup", ""))
        if members is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": members}

    def _m_apps_connections_open(self, params: dict) -> dict:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(Call("response_url", body, None))
        problems = block_problems(body.get("blocks", []))
        if problems:
            return web.Response(status=400, text="invalid_blocks")
        return web.Response(text="ok")

    # --- Socket Mode ---------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "fake", "approximate_connection_time": 18060},
                "connection_info": {"app_id": "AFAKE"},
            }
        )
        self._socket_ready.set()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    data = json.loads(msg.data)
                    self._record(Call("socket_ack", data, None))
                    future = self._acks.pop(data.get("envelope_id", ""), None)
                    if future and not future.done():
                        future.set_result(data)
        finally:
            self._sockets.remove(ws)
        return ws

    async def send_slash_command(self, payload: dict[str, str], timeout: float = 5.0) -> tuple[dict, float]:
        """Push a ``slash_commands`` envelope; return the app's ack envelope and seconds taken."""
        await asyncio.wait_for(self._socket_ready.wait(), timeout)
        envelope_id = uuid.uuid4().hex
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        started = time.monotonic()
        await self._sockets[-1].send_json(
            {"envelope_id": envelope_id, "type": "slash_commands", "accepts_response_payload": True, "payload": payload}
        )
        ack = await asyncio.wait_for(future, timeout)
        return ack, time.monotonic() - started
