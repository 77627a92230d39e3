"""A fake Discord (REST API v10 + gateway) on 127.0.0.1 for the real discord.py client.

Why a fake server rather than mocks: the adapter's correctness depends on what discord.py
actually puts on the wire (deferral timing, follow-up payloads, ``allowed_mentions``,
rate-limit retries, resume after a dropped socket, zlib-stream decoding). This server
speaks enough of Discord's protocol for ``discord.Client`` + ``app_commands.CommandTree``
to log in, sync commands, receive interactions and answer them, and it records every
request with a timestamp so tests can assert on timing and content.

It is strict where Discord is strict, so a test can fail for the reasons production
would: a follow-up before the interaction was acknowledged is "Unknown Webhook", an
acknowledgement after ``interaction_deadline`` seconds is "Unknown interaction", a second
acknowledgement is "already acknowledged", and messages over Discord's content/embed
limits are rejected with a 400 like Discord's.

Usage (inside a running event loop)::

    fake = FakeDiscord()
    await fake.start()
    ...  # point DISCORD_API_URL at fake.api_url, DISCORD_GATEWAY_URL at fake.gateway_url
    iid = await fake.interact("brief", {"url": "http://..."})
    await fake.wait_for(lambda: fake.followups_for(iid))
    await fake.stop()
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import math
import re
import secrets
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"

# Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes)
OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_RESUME = 0, 1, 2, 6
OP_RECONNECT, OP_INVALID_SESSION, OP_HELLO, OP_HEARTBEAT_ACK = 7, 9, 10, 11

# Discord's message limits, enforced so oversize payloads fail here as they would live.
CONTENT_LIMIT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL = 6000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER_TEXT = 2048
AUTHOR_NAME = 256

MANAGE_CHANNELS = 1 << 4
SEND_MESSAGES = 1 << 11
VIEW_CHANNEL = 1 << 10
USE_APPLICATION_COMMANDS = 1 << 31
MEMBER_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | USE_APPLICATION_COMMANDS

OPTION_STRING, OPTION_INTEGER, OPTION_SUB_COMMAND = 3, 4, 1

_snowflakes = itertools.count(1_200_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_snowflakes))


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime())


@dataclass
class RecordedRequest:
    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    status: int = 0
    at: float = field(default_factory=time.monotonic)


@dataclass
class InteractionCallback:
    interaction_id: str
    token: str
    type: int  # 4 message, 5 deferred message, 6 deferred update, 8 autocomplete result
    data: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.data.get("flags", 0) or 0) & 64)


@dataclass
class PostedMessage:
    """A message the bot created or edited (follow-up, original response, channel post)."""

    kind: str  # "followup" | "original" | "channel" | "edit"
    id: str
    channel_id: str
    payload: dict[str, Any]
    interaction_id: str | None = None
    at: float = field(default_factory=time.monotonic)
    # Set when Discord decides visibility, not the payload: the first follow-up after a
    # deferral fills the "thinking" message and keeps the deferral's ephemeral flag.
    inherited_ephemeral: bool | None = None

    @property
    def content(self) -> str:
        return self.payload.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.payload.get("embeds") or []

    @property
    def ephemeral(self) -> bool:
        """Whether users other than the invoker can see it, as Discord would show it."""
        if self.inherited_ephemeral is not None:
            return self.inherited_ephemeral
        return bool(int(self.payload.get("flags", 0) or 0) & 64)

    @property
    def replaces_original(self) -> bool:
        return self.inherited_ephemeral is not None

    def text(self) -> str:
        """Content plus every embed string, for "does the answer say X" assertions."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title", ""), embed.get("description", "")]
            parts += [(embed.get("author") or {}).get("name", ""), (embed.get("footer") or {}).get("text", "")]
            for fld in embed.get("fields", []):
                parts += [fld.get("name", ""), fld.get("value", "")]
        return "\n".join(p for p in parts if p)


@dataclass
class SentInteraction:
    id: str
    token: str
    payload: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class RateLimitRule:
    method: str
    pattern: re.Pattern[str]
    remaining: int  # how many more matching requests get a 429
    retry_after: float
    is_global: bool
    blocked_until: float = 0.0
    hits: list[float] = field(default_factory=list)


@dataclass
@dataclass
class MessageHold:
    """Holds the ``nth`` channel-message POST (1-based, counting every attempt) open.

    ``after_create``: the message is created first and only its response is held (a crash
    with the message in flight); otherwise nothing is created while held, and nothing
    after release either (the request ends with 503). ``reached`` is set when the POST
    arrives; ``release`` (also set by ``stop``) ends the hold.
    """

    nth: int
    after_create: bool
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


#: Discord returns the existing message for a repeated nonce (with ``enforce_nonce``) "within
#: the past few minutes".
NONCE_WINDOW_SECONDS = 300.0
NONCE_MAX_CHARS = 25


@dataclass
class GatewaySession:
    session_id: str
    seq: int = 0
    events: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    conn: "GatewayConnection | None" = None
    shard: tuple[int, int] | None = None  # (shard_id, shard_count) from IDENTIFY

    def owns(self, guild_id: str | None) -> bool:
        """Discord's rule: a guild lives on shard ``(guild_id >> 22) % shard_count``."""
        if self.shard is None or guild_id is None:
            return True
        return (int(guild_id) >> 22) % self.shard[1] == self.shard[0]


@dataclass
class GatewayConnection:
    ws: web.WebSocketResponse
    path: str
    compress: str | None
    compressor: Any = None
    session: GatewaySession | None = None
    heartbeats: int = 0
    opened_at: float = field(default_factory=time.monotonic)
    ready: asyncio.Event = field(default_factory=asyncio.Event)


def _json_response(payload: Any, status: int, headers: dict[str, str]) -> web.Response:
    # Exactly "application/json" (no charset): discord.py only decodes that content type.
    return web.Response(
        body=json.dumps(payload).encode(), status=status, headers={**headers, "Content-Type": "application/json"}
    )


class RestError(Exception):
    def __init__(self, status: int, code: int, message: str, errors: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


class FakeDiscord:
    """Fake Discord REST + gateway. One guild, one text channel, one bot user by default."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        heartbeat_interval_ms: int = 41_250,
        interaction_deadline: float = 3.0,
        manager_role_name: str = "Briefbot Managers",
    ) -> None:
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_deadline = interaction_deadline
        self.app_id = snowflake()
        self.bot_user = {
            "id": self.app_id,
            "username": "Briefbot",
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "flags": 0,
        }
        self.owner = {
            "id": snowflake(),
            "username": "owner",
            "discriminator": "0",
            "global_name": "Owner",
            "avatar": None,
        }
        self.guild_id = snowflake()
        self.channel_id = snowflake()
        self.manager_role_id = snowflake()
        self.manager_role_name = manager_role_name
        # what the tests inspect
        self.requests: list[RecordedRequest] = []
        self.callbacks: list[InteractionCallback] = []
        self.messages: list[PostedMessage] = []
        self.interactions: dict[str, SentInteraction] = {}
        self.command_puts: list[tuple[str, list[dict[str, Any]], float]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id -> commands
        self.gateway_log: list[tuple[str, str, float]] = []  # (what, detail, at)
        self.connections: list[GatewayConnection] = []
        self.sessions: dict[str, GatewaySession] = {}
        self.rate_limits: list[RateLimitRule] = []
        self.rate_limit_violations: list[RecordedRequest] = []
        self.invalidate_resumes = False
        self.deleted_originals: set[str] = set()
        self.holds: list[MessageHold] = []
        self.channel_posts = 0  # POST /channels/{id}/messages requests, retries included
        self._nonces: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> "FakeDiscord":
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("GET", "/gateway", self._gateway)
        app.router.add_route("GET", "/gateway-resume", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for hold in self.holds:
            hold.release.set()
        for conn in self.connections:
            if not conn.ws.closed:
                await conn.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "FakeDiscord":
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway-resume"

    # -- waiting -----------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
        """Wait until ``predicate()`` is truthy (re-checked whenever something is recorded)."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"fake Discord: timed out after {timeout}s waiting for {what}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=min(left, 0.25))
            except asyncio.TimeoutError:
                pass

    # -- test controls -----------------------------------------------------------------

    def rate_limit(
        self, method: str, path_regex: str, *, times: int = 1, retry_after: float = 0.5, is_global: bool = False
    ) -> RateLimitRule:
        """Answer the next ``times`` matching requests with 429 + ``retry_after``.

        ``path_regex`` is matched (``re.search``) against the path without ``/api/v10``.
        A retry that comes back before ``retry_after`` has passed is answered 429 again and
        recorded in ``rate_limit_violations``.
        """
        rule = RateLimitRule(method.upper(), re.compile(path_regex), times, retry_after, is_global)
        self.rate_limits.append(rule)
        return rule

    def hold_channel_message(self, nth: int, *, after_create: bool) -> MessageHold:
        """Hold the ``nth`` channel-message POST from now on (see ``MessageHold``)."""
        hold = MessageHold(self.channel_posts + nth, after_create)
        self.holds.append(hold)
        return hold

    def current_connection(self) -> GatewayConnection | None:
        live = [c for c in self.connections if not c.ws.closed and c.session is not None and c.ready.is_set()]
        return live[-1] if live else None

    async def wait_ready(self, timeout: float = 10.0, after: int = 0) -> GatewayConnection:
        """Wait for an identified/resumed connection (the ``after``-th or later)."""

        def ready() -> GatewayConnection | None:
            conn = self.current_connection()
            return conn if conn and self.connections.index(conn) >= after else None

        return await self.wait_for(ready, timeout, "a ready gateway connection")

    async def drop_gateway(self, code: int = 4000, abort: bool = False) -> None:
        """Close the live gateway socket the way Discord does on a restart (or cut TCP)."""
        conn = self.current_connection()
        if conn is None:
            raise AssertionError("fake Discord: no live gateway connection to drop")
        self.gateway_log.append(("drop", f"code={code} abort={abort}", time.monotonic()))
        if abort:
            transport = conn.ws._req.transport if conn.ws._req else None  # type: ignore[attr-defined]
            if transport is not None:
                transport.abort()
        else:
            await conn.ws.close(code=code, message=b"fake server restart")
        self._notify()

    async def dispatch(self, event: str, data: dict[str, Any], session: GatewaySession | None = None) -> int:
        """Send a DISPATCH to the newest session (of the shard that owns the event's guild);
        queued for replay if that session is disconnected."""
        if session is None:
            owners = [s for s in self.sessions.values() if s.owns(data.get("guild_id"))]
            if not owners:
                raise AssertionError("fake Discord: nobody has identified yet")
            session = owners[-1]
        session.seq += 1
        payload = {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data}
        session.events.append((session.seq, payload))
        conn = session.conn
        if conn is not None and not conn.ws.closed:
            try:
                await self._send(conn, payload)
            except (ConnectionResetError, RuntimeError):
                pass  # replayed on RESUME
        return session.seq

    def member_payload(
        self, user_id: str | None = None, *, permissions: int = MEMBER_PERMISSIONS, roles: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        uid = user_id or "4242"
        return {
            "user": {"id": uid, "username": f"user{uid}", "discriminator": "0", "global_name": None, "avatar": None},
            "roles": list(roles),
            "joined_at": _now_iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "avatar": None,
            "premium_since": None,
            "pending": False,
            "communication_disabled_until": None,
            "permissions": str(permissions),
        }

    def command_id(self, name: str) -> str:
        for scope in (self.guild_id, "global"):
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name:
                    return cmd["id"]
        return snowflake()

    async def interact(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        focused: str | None = None,
        user_id: str = "4242",
        permissions: int = MEMBER_PERMISSIONS,
        roles: tuple[str, ...] = (),
        channel_id: str | None = None,
        sessions: list[GatewaySession] | None = None,
    ) -> str:
        """Inject an INTERACTION_CREATE (type 2 command, or type 4 autocomplete if ``focused``).

        ``sessions``: deliver it to each of these (several unsharded replicas each get every
        interaction), instead of the newest session of the owning shard.

        Returns the interaction id; callbacks/follow-ups are found by it.
        """
        opts = []
        for key, value in (options or {}).items():
            opt: dict[str, Any] = {
                "name": key,
                "value": value,
                "type": OPTION_INTEGER if isinstance(value, int) else OPTION_STRING,
            }
            if key == focused:
                opt["focused"] = True
            opts.append(opt)
        if subcommand:
            opts = [{"name": subcommand, "type": OPTION_SUB_COMMAND, "options": opts}]
        channel = channel_id or self.channel_id
        iid, token = snowflake(), "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(24)
        payload = {
            "id": iid,
            "application_id": self.app_id,
            "type": 4 if focused else 2,
            "data": {"id": self.command_id(name), "name": name, "type": 1, "options": opts, "guild_id": self.guild_id},
            "guild_id": self.guild_id,
            "channel_id": channel,
            "channel": {
                "id": channel,
                "type": 0,
                "guild_id": self.guild_id,
                "name": "news",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
                "topic": None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
                "flags": 0,
            },
            "member": self.member_payload(user_id, permissions=permissions, roles=roles),
            "token": token,
            "version": 1,
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": str(MEMBER_PERMISSIONS),
            "entitlements": [],
            "authorizing_integration_owners": {"0": self.guild_id},
            "context": 0,
            "attachment_size_limit": 26_214_400,
        }
        self.interactions[iid] = SentInteraction(iid, token, payload)
        if sessions is None:
            await self.dispatch("INTERACTION_CREATE", payload)
        else:
            await asyncio.gather(*(self.dispatch("INTERACTION_CREATE", payload, session=s) for s in sessions))
        return iid

    # -- queries -----------------------------------------------------------------------

    def callback_for(self, interaction_id: str) -> InteractionCallback | None:
        return next((c for c in self.callbacks if c.interaction_id == interaction_id), None)

    def followups_for(self, interaction_id: str) -> list[PostedMessage]:
        return [
            m
            for m in self.messages
            if m.interaction_id == interaction_id and m.kind in ("followup", "original", "edit")
        ]

    def channel_messages(self, channel_id: str | None = None) -> list[PostedMessage]:
        cid = channel_id or self.channel_id
        return [m for m in self.messages if m.kind == "channel" and m.channel_id == cid]

    def requests_to(self, method: str, path_regex: str) -> list[RecordedRequest]:
        pat = re.compile(path_regex)
        return [r for r in self.requests if r.method == method.upper() and pat.search(r.path)]

    # -- gateway -----------------------------------------------------------------------

    async def _send(self, conn: GatewayConnection, payload: dict[str, Any]) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        if conn.compressor is not None:
            # One zlib stream per connection; every message ends with a sync flush
            # (00 00 ff ff), which is how discord.py knows a message is complete.
            data = conn.compressor.compress(text.encode()) + conn.compressor.flush(zlib.Z_SYNC_FLUSH)
            await conn.ws.send_bytes(data)
        else:
            await conn.ws.send_str(text)

    def _ready_payload(self, session: GatewaySession) -> dict[str, Any]:
        guilds = [{"id": self.guild_id, "unavailable": True}] if session.owns(self.guild_id) else []
        ready = {
            "v": 10,
            "user": self.bot_user,
            "session_id": session.session_id,
            "resume_gateway_url": self.resume_gateway_url,
            "session_type": "normal",
            "guilds": guilds,
            "application": {"id": self.app_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
            "_trace": ["fake-gateway"],
        }
        if session.shard is not None:
            ready["shard"] = list(session.shard)
        return ready

    def guild_payload(self) -> dict[str, Any]:
        everyone = {
            "id": self.guild_id,
            "name": "@everyone",
            "permissions": str(MEMBER_PERMISSIONS),
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        managers = {**everyone, "id": self.manager_role_id, "name": self.manager_role_name, "position": 1}
        return {
            "id": self.guild_id,
            "name": "Fake Newsroom",
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": self.owner["id"],
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [everyone, managers],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": _now_iso(),
            "large": False,
            "unavailable": False,
            "member_count": 2,
            "voice_states": [],
            "presences": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "members": [{**self.member_payload(self.app_id), "user": self.bot_user}],
            "channels": [
                {
                    "id": self.channel_id,
                    "type": 0,
                    "guild_id": self.guild_id,
                    "name": "news",
                    "position": 0,
                    "permission_overwrites": [],
                    "nsfw": False,
                    "parent_id": None,
                    "topic": None,
                    "last_message_id": None,
                    "rate_limit_per_user": 0,
                    "flags": 0,
                }
            ],
        }

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        compress = request.query.get("compress")
        conn = GatewayConnection(ws=ws, path=request.path, compress=compress)
        if compress == "zlib-stream":
            conn.compressor = zlib.compressobj()
        elif compress:
            # Only zlib-stream is spoken here; Discord would accept zstd-stream too.
            self.gateway_log.append(("reject", f"compress={compress}", time.monotonic()))
            await ws.close(code=4000, message=b"unsupported compression")
            return ws
        self.connections.append(conn)
        self.gateway_log.append(("connect", f"{request.path}?{request.query_string}", time.monotonic()))
        await self._send(
            conn,
            {
                "op": OP_HELLO,
                "s": None,
                "t": None,
                "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake-gateway"]},
            },
        )
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                await self._on_gateway_message(conn, json.loads(msg.data))
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            self.gateway_log.append(("closed", str(ws.close_code), time.monotonic()))
            self._notify()
        return ws

    async def _on_gateway_message(self, conn: GatewayConnection, msg: dict[str, Any]) -> None:
        op, data = msg.get("op"), msg.get("d")
        if op == OP_HEARTBEAT:
            conn.heartbeats += 1
            await self._send(conn, {"op": OP_HEARTBEAT_ACK, "s": None, "t": None, "d": None})
        elif op == OP_IDENTIFY:
            await self._identify(conn, data or {})
        elif op == OP_RESUME:
            await self._resume(conn, data or {})
        self._notify()

    async def _identify(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        self.gateway_log.append(("identify", f"intents={data.get('intents')}", time.monotonic()))
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        session = GatewaySession(session_id=secrets.token_hex(16))
        shard = data.get("shard")
        if shard is not None:
            session.shard = (int(shard[0]), int(shard[1]))
        self.sessions[session.session_id] = session
        session.conn, conn.session = conn, session
        await self.dispatch("READY", self._ready_payload(session), session)
        if session.owns(self.guild_id):
            await self.dispatch("GUILD_CREATE", self.guild_payload(), session)
        conn.ready.set()

    async def _resume(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        self.gateway_log.append(("resume", f"seq={data.get('seq')} known={session is not None}", time.monotonic()))
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        if session is None or self.invalidate_resumes:
            await self._send(conn, {"op": OP_INVALID_SESSION, "s": None, "t": None, "d": False})
            return
        session.conn, conn.session = conn, session
        last = int(data.get("seq") or 0)
        for seq, payload in list(session.events):
            if seq > last:
                await self._send(conn, payload)
        await self.dispatch("RESUMED", {"_trace": ["fake-gateway"]}, session)
        conn.ready.set()

    # -- REST --------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            body = self._parse_body(request, raw)
        rec = RecordedRequest(
            request.method, path, dict(request.query), body, {k: v for k, v in request.headers.items()}
        )
        self.requests.append(rec)
        try:
            limited = self._rate_limited(rec)
            if limited is not None:
                return limited
            self._check_auth(request, path)
            hold = self._hold_for(request.method, path)
            if hold is not None and not hold.after_create:
                hold.reached.set()
                self._notify()
                await hold.release.wait()
                raise RestError(503, 0, "503: Service Unavailable (held by the test)")
            status, payload = await self._route(request.method, path, request.query, body)
            if hold is not None:
                hold.reached.set()
                self._notify()
                await hold.release.wait()
        except RestError as exc:
            status, payload = exc.status, exc.body()
        rec.status = status
        self._notify()
        headers = {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "4",
            "X-RateLimit-Reset-After": "1.000",
            "X-RateLimit-Bucket": "fakebucket",
            "Via": "1.1 google",
        }
        if status == 204:
            return web.Response(status=204, headers=headers)
        return _json_response(payload, status, headers)

    def _hold_for(self, method: str, path: str) -> MessageHold | None:
        if method != "POST" or not re.fullmatch(r"/channels/\d+/messages", path):
            return None
        self.channel_posts += 1
        return next((h for h in self.holds if h.nth == self.channel_posts), None)

    def create_channel_message(self, cid: str, body: dict[str, Any]) -> dict[str, Any]:
        """Validate and record a channel message; a nonce seen lately (``enforce_nonce``)
        returns the message it made instead, as Discord does."""
        self._validate_message(body)
        nonce = body.get("nonce")
        if nonce is not None:
            nonce = str(nonce)
            if len(nonce) > NONCE_MAX_CHARS:
                raise RestError(400, 50035, "Invalid Form Body", [f"nonce: at most {NONCE_MAX_CHARS} chars"])
            seen = self._nonces.get((cid, nonce))
            if body.get("enforce_nonce") and seen and time.monotonic() - seen[0] < NONCE_WINDOW_SECONDS:
                return seen[1]
        message = self._message_object(cid, body)
        if nonce is not None:
            message["nonce"] = nonce
            self._nonces[(cid, nonce)] = (time.monotonic(), message)
        self.messages.append(PostedMessage("channel", message["id"], cid, body))
        return message

    @staticmethod
    def _parse_body(request: web.Request, raw: bytes) -> Any:
        if not raw:
            return None
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            return json.loads(raw)
        if ctype.startswith("multipart/form-data"):
            # discord.py sends files as multipart with the JSON in a "payload_json" part.
            match = re.search(rb'name="payload_json"\r\n(?:[^\r\n]*\r\n)*\r\n(.*?)\r\n--', raw, re.S)
            return json.loads(match.group(1)) if match else {"_multipart": True}
        return raw.decode(errors="replace")

    def _rate_limited(self, rec: RecordedRequest) -> web.Response | None:
        now = time.monotonic()
        for rule in self.rate_limits:
            if rule.method != rec.method or not rule.pattern.search(rec.path):
                continue
            early = now < rule.blocked_until
            if rule.remaining <= 0 and not early:
                continue
            if early and rule.remaining <= 0:
                self.rate_limit_violations.append(rec)
            rule.remaining = max(0, rule.remaining - 1)
            rule.blocked_until = now + rule.retry_after
            rule.hits.append(now)
            rec.status = 429
            self._notify()
            headers = {
                "Retry-After": str(math.ceil(rule.retry_after)),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + rule.retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{rule.retry_after:.3f}",
                "X-RateLimit-Bucket": "fakebucket",
                "X-RateLimit-Scope": "global" if rule.is_global else "user",
                "Via": "1.1 google",
            }
            if rule.is_global:
                headers["X-RateLimit-Global"] = "true"
            body = {
                "message": "You are being rate limited.",
                "retry_after": rule.retry_after,
                "global": rule.is_global,
                "code": 0,
            }
            return _json_response(body, 429, headers)
        return None

    def _check_auth(self, request: web.Request, path: str) -> None:
        # Interaction callbacks and webhook executions are authorised by their token.
        if path.startswith(("/interactions/", "/webhooks/")):
            return
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise RestError(401, 0, "401: Unauthorized")

    async def _route(self, method: str, path: str, query: Any, body: Any) -> tuple[int, Any]:
        app = re.escape(self.app_id)
        routes: list[tuple[str, str, Callable[..., Any]]] = [
            ("GET", r"/gateway", lambda: {"url": self.gateway_url}),
            (
                "GET",
                r"/gateway/bot",
                lambda: {
                    "url": self.gateway_url,
                    "shards": 1,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 999,
                        "reset_after": 14_400_000,
                        "max_concurrency": 1,
                    },
                },
            ),
            ("GET", r"/users/@me", lambda: self.bot_user),
            ("GET", r"/(?:oauth2/)?applications/@me", self._app_info),
            ("GET", rf"/applications/{app}/commands", lambda: self.commands.get("global", [])),
            ("PUT", rf"/applications/{app}/commands", lambda: self._put_commands("global", body)),
            ("GET", rf"/applications/{app}/guilds/(\d+)/commands", lambda gid: self.commands.get(gid, [])),
            ("PUT", rf"/applications/{app}/guilds/(\d+)/commands", lambda gid: self._put_commands(gid, body)),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", lambda iid, tok: self._callback(iid, tok, body)),
            ("POST", rf"/webhooks/{app}/([^/]+)", lambda tok: self._followup(tok, body, query)),
            (
                "PATCH",
                rf"/webhooks/{app}/([^/]+)/messages/(@original|\d+)",
                lambda tok, mid: self._edit(tok, mid, body),
            ),
            ("GET", rf"/webhooks/{app}/([^/]+)/messages/(@original|\d+)", lambda tok, mid: self._get_message(tok, mid)),
            ("DELETE", rf"/webhooks/{app}/([^/]+)/messages/(@original|\d+)", lambda tok, mid: self._delete(tok, mid)),
            ("POST", r"/channels/(\d+)/messages", lambda cid: self._channel_message(cid, body)),
            ("GET", r"/channels/(\d+)", self._get_channel),
        ]
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                result = handler(*match.groups())
                if isinstance(result, tuple):
                    return result
                return 200, result
        raise RestError(404, 0, "404: Not Found")

    def _app_info(self) -> dict[str, Any]:
        return {
            "id": self.app_id,
            "name": "Briefbot",
            "icon": None,
            "description": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.owner,
            "summary": "",
            "verify_key": "0" * 64,
            "team": None,
            "flags": 0,
            "bot": self.bot_user,
            "interactions_endpoint_url": None,
            "tags": [],
            "redirect_uris": [],
            "rpc_origins": [],
        }

    def _put_commands(self, scope: str, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, list):
            raise RestError(400, 50035, "Invalid Form Body")
        self.command_puts.append((scope, body, time.monotonic()))
        known = {c["name"]: c["id"] for c in self.commands.get(scope, [])}
        stored = []
        for cmd in body:
            stored.append(
                {
                    "id": known.get(cmd["name"]) or snowflake(),  # bulk overwrite keeps ids
                    "application_id": self.app_id,
                    "version": snowflake(),
                    "type": cmd.get("type", 1),
                    "name": cmd["name"],
                    "description": cmd.get("description", ""),
                    "options": cmd.get("options", []),
                    "default_member_permissions": cmd.get("default_member_permissions"),
                    "dm_permission": cmd.get("dm_permission", True),
                    "nsfw": cmd.get("nsfw", False),
                    "contexts": cmd.get("contexts"),
                    "integration_types": cmd.get("integration_types"),
                    **({"guild_id": scope} if scope != "global" else {}),
                }
            )
        self.commands[scope] = stored
        return stored

    def _interaction(self, interaction_id: str, token: str) -> SentInteraction:
        sent = self.interactions.get(interaction_id)
        if sent is None or sent.token != token:
            raise RestError(404, 10062, "Unknown interaction")
        return sent

    def _callback(self, iid: str, token: str, body: Any) -> tuple[int, Any]:
        sent = self._interaction(iid, token)
        if time.monotonic() - sent.at > self.interaction_deadline:
            raise RestError(404, 10062, "Unknown interaction")
        if self.callback_for(iid) is not None:
            raise RestError(400, 40060, "Interaction has already been acknowledged.")
        body = body or {}
        cb_type, data = int(body.get("type", 0)), body.get("data") or {}
        if cb_type == 4:
            self._validate_message(data)
        self.callbacks.append(InteractionCallback(iid, token, cb_type, data))
        interaction: dict[str, Any] = {"id": iid, "type": sent.payload["type"]}
        result: dict[str, Any] = {"interaction": interaction}
        if cb_type in (4, 5):
            interaction.update(
                response_message_id=snowflake(),
                response_message_loading=cb_type == 5,
                response_message_ephemeral=bool(int(data.get("flags", 0) or 0) & 64),
            )
            message = self._message_object(sent.payload["channel_id"], data, interaction.get("response_message_id"))
            result["resource"] = {"type": cb_type, "message": message}
            if cb_type == 4:
                self.messages.append(PostedMessage("original", message["id"], sent.payload["channel_id"], data, iid))
        return 200, result

    def _sent_by_token(self, token: str) -> SentInteraction:
        for sent in self.interactions.values():
            if sent.token == token:
                if self.callback_for(sent.id) is None:
                    raise RestError(404, 10015, "Unknown Webhook")  # not acknowledged yet
                return sent
        raise RestError(404, 10015, "Unknown Webhook")

    def _followup(self, token: str, body: Any, query: Any) -> tuple[int, Any]:
        sent = self._sent_by_token(token)
        body = body or {}
        self._validate_message(body)
        message = self._message_object(sent.payload["channel_id"], body)
        posted = PostedMessage("followup", message["id"], sent.payload["channel_id"], body, sent.id)
        callback = self.callback_for(sent.id)
        still_thinking = (
            callback is not None
            and callback.type == 5
            and sent.id not in self.deleted_originals
            and not any(m.replaces_original for m in self.followups_for(sent.id))
        )
        if still_thinking:
            posted.inherited_ephemeral = callback.ephemeral  # type: ignore[union-attr]
        self.messages.append(posted)
        if str(query.get("wait", "")).lower() in ("1", "true"):
            return 200, message
        return 204, None

    def _edit(self, token: str, mid: str, body: Any) -> dict[str, Any]:
        sent = self._sent_by_token(token)
        body = body or {}
        self._validate_message(body, allow_empty=True)
        message = self._message_object(sent.payload["channel_id"], body, None if mid == "@original" else mid)
        self.messages.append(PostedMessage("edit", message["id"], sent.payload["channel_id"], body, sent.id))
        return message

    def _delete(self, token: str, mid: str) -> tuple[int, None]:
        sent = self._sent_by_token(token)
        if mid == "@original":
            if sent.id in self.deleted_originals:
                raise RestError(404, 10008, "Unknown Message")
            self.deleted_originals.add(sent.id)
        return 204, None

    def _get_message(self, token: str, mid: str) -> dict[str, Any]:
        sent = self._sent_by_token(token)
        for msg in reversed(self.followups_for(sent.id)):
            if mid == "@original" or msg.id == mid:
                return self._message_object(msg.channel_id, msg.payload, msg.id)
        raise RestError(404, 10008, "Unknown Message")

    def _channel_message(self, cid: str, body: Any) -> dict[str, Any]:
        if cid != self.channel_id:
            raise RestError(404, 10003, "Unknown Channel")
        return self.create_channel_message(cid, body or {})

    def _get_channel(self, cid: str) -> dict[str, Any]:
        if cid != self.channel_id:
            raise RestError(404, 10003, "Unknown Channel")
        return self.guild_payload()["channels"][0]

    def _message_object(self, channel_id: str, body: dict[str, Any], message_id: str | None = None) -> dict[str, Any]:
        return {
            "id": message_id or snowflake(),
            "channel_id": channel_id,
            "guild_id": self.guild_id,
            "author": self.bot_user,
            "content": body.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "mention_channels": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "reactions": [],
            "pinned": False,
            "type": 0,
            "flags": int(body.get("flags", 0) or 0),
            "components": [],
            "webhook_id": None,
        }

    @staticmethod
    def _validate_message(body: dict[str, Any], allow_empty: bool = False) -> None:
        """Reject what Discord rejects (error 50035 / 50006), so oversize output fails tests."""
        errors: list[str] = []
        content = body.get("content") or ""
        embeds = body.get("embeds") or []
        if not content and not embeds and not allow_empty:
            raise RestError(400, 50006, "Cannot send an empty message")
        if len(content) > CONTENT_LIMIT:
            errors.append(f"content: Must be {CONTENT_LIMIT} or fewer in length.")
        if len(embeds) > EMBEDS_PER_MESSAGE:
            errors.append(f"embeds: Must be {EMBEDS_PER_MESSAGE} or fewer in length.")
        total = 0
        for i, embed in enumerate(embeds):
            title, desc = embed.get("title") or "", embed.get("description") or ""
            footer = (embed.get("footer") or {}).get("text") or ""
            author = (embed.get("author") or {}).get("name") or ""
            fields = embed.get("fields") or []
            checks = [
                ("title", title, EMBED_TITLE),
                ("description", desc, EMBED_DESCRIPTION),
                ("footer.text", footer, FOOTER_TEXT),
                ("author.name", author, AUTHOR_NAME),
            ]
            for name, value, limit in checks:
                if len(value) > limit:
                    errors.append(f"embeds.{i}.{name}: Must be {limit} or fewer in length.")
            if len(fields) > EMBED_FIELDS:
                errors.append(f"embeds.{i}.fields: Must be {EMBED_FIELDS} or fewer in length.")
            total += len(title) + len(desc) + len(footer) + len(author)
            for j, fld in enumerate(fields):
                name, value = fld.get("name") or "", fld.get("value") or ""
                if not name or len(name) > FIELD_NAME:
                    errors.append(f"embeds.{i}.fields.{j}.name: 1 to {FIELD_NAME} characters.")
                if not value or len(value) > FIELD_VALUE:
                    errors.append(f"embeds.{i}.fields.{j}.value: 1 to {FIELD_VALUE} characters.")
                total += len(name) + len(value)
        if total > EMBED_TOTAL:
            errors.append(f"embeds: Embed size exceeds maximum size of {EMBED_TOTAL}")
        if errors:
            raise RestError(400, 50035, "Invalid Form Body", errors)


class FakeDiscordInThread:
    """``FakeDiscord`` on its own event loop in a background thread.

    For tests that run the bot as a subprocess (``briefbot run``) or through a synchronous
    entry point with its own ``asyncio.run``: the fake keeps serving while the test blocks.
    ``call(coro)`` runs a coroutine (``fake.interact(...)``, ``fake.wait_for(...)``) there.
    """

    def __init__(self, **kwargs: Any) -> None:
        import threading

        self.fake = FakeDiscord(**kwargs)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fake-discord", daemon=True)

    def call(self, coro: Any, timeout: float = 60.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def __enter__(self) -> "FakeDiscordInThread":
        self._thread.start()
        self.call(self.fake.start())
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self.call(self.fake.stop(), timeout=10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
            self.loop.close()
