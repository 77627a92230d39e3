"""The Slack adapter: slack_bolt (async) over signed HTTP requests or Socket Mode.

It only translates. A slash command's text becomes an ``Invocation`` (``slack_commands``),
the command layer's ``Reply`` becomes Block Kit messages (``slack_render``). Slack wants
an answer within three seconds, so every command is acknowledged at once with a short
ephemeral "Working on it…" and the result follows through the command's ``response_url``
(which works in any channel the user can type in, even ones the bot has not joined),
falling back to ``chat.postMessage``/``chat.postEphemeral`` beyond the five messages a
response_url takes or if it fails. Scheduled digests go out with ``chat.postMessage``.

HTTP mode serves ``/slack/events`` on ``SLACK_PORT``; slack_bolt's request verification
checks every request's ``X-Slack-Signature`` and refuses timestamps more than five
minutes off with 401 before any listener runs. Socket Mode (``SLACK_APP_TOKEN``) needs no
public URL. ``SLACK_API_URL`` points the Web API client elsewhere (tests, proxies).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.interface import (
    ChannelRef,
    CommandService,
    DeliveryKey,
    Invocation,
    OneOffDelivery,
    Payload,
    Reply,
    command_spec,
)
from bot.platforms.slack_commands import SLASH_GROUPS, ParsedCommand, parse
from bot.platforms.slack_render import SlackMessage, escape_bot_text, render_reply
from bot.errors import StartError
from bot.settings import SettingsError

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
WORKING_TEXT = "Working on it\u2026"
RESPONSE_URL_USES = 5  # Slack accepts up to five messages per response_url
CLOSE_GRACE_SECONDS = 5.0
SOCKET_CONNECT_SECONDS = 20.0
_FATAL_AUTH_ERRORS = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "not_allowed_token_type",
}
_LOOKUP_ERRORS = (SlackApiError, aiohttp.ClientError, asyncio.TimeoutError, OSError)


def _secret(value: Any) -> str | None:
    """A SecretStr's value, or None when unset or empty."""
    text = value.get_secret_value() if value is not None else ""
    return text or None


def web_client(token: str, api_url: str) -> AsyncWebClient:
    """The Web API client; ``api_url`` must end with a slash for slack_sdk to join method names."""
    base_url = api_url if api_url.endswith("/") else api_url + "/"
    client = AsyncWebClient(token=token, base_url=base_url, timeout=15)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return client


#: The metadata event type that marks a digest message with its idempotency key.
DIGEST_EVENT_TYPE = "briefbot_digest_message"
#: How many of a channel's latest messages are searched for a digest message before a resend.
HISTORY_LOOKBACK = 100


async def post_message(
    client: AsyncWebClient, channel_id: str, message: SlackMessage, metadata: dict[str, Any] | None = None
) -> None:
    """``chat.postMessage`` without link previews (a digest of five links would be all previews)."""
    extra: dict[str, Any] = {"metadata": metadata} if metadata else {}
    await client.chat_postMessage(
        channel=channel_id, text=message.text, blocks=message.blocks, unfurl_links=False, unfurl_media=False, **extra
    )


class SlackDeliverer(OneOffDelivery):
    """Posts scheduled digests to Slack channels; raises if Slack refuses (the attempt then fails).

    Slack has no idempotency key, so each digest message carries its key in message
    ``metadata``; before resending a message that may have gone out before a crash, the
    channel's recent history (``conversations.history`` with ``include_all_metadata``,
    scope ``channels:history``) is searched for it.
    """

    platform = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def prepare(self, reply: Reply) -> list[Payload]:
        return [m.payload() for m in render_reply(reply)]

    async def send(self, channel: ChannelRef, message: Payload, key: DeliveryKey) -> None:
        if key.maybe_sent and await self.already_posted(channel.channel_id, key):
            log.info("slack: digest message %s is already in %s; not sent again", key.token, channel.channel_id)
            return
        metadata = {"event_type": DIGEST_EVENT_TYPE, "event_payload": {"key": key.token}}
        await post_message(
            self.client,
            channel.channel_id,
            SlackMessage(text=message.get("text", ""), blocks=list(message.get("blocks") or [])),
            metadata=metadata,
        )

    async def already_posted(self, channel_id: str, key: DeliveryKey) -> bool:
        """Whether a message with ``key`` is among the channel's latest messages."""
        try:
            history = await self.client.conversations_history(
                channel=channel_id, limit=HISTORY_LOOKBACK, include_all_metadata=True
            )
        except SlackApiError as exc:
            log.warning(
                "slack: cannot read the history of %s (%s; needs the channels:history scope) to "
                "check digest message %s; sending it",
                channel_id,
                exc.response.get("error"),
                key.token,
            )
            return False
        for item in history.get("messages") or []:
            meta = item.get("metadata") or {}
            found = (meta.get("event_payload") or {}).get("key")
            if meta.get("event_type") == DIGEST_EVENT_TYPE and found == key.token:
                return True
        return False


class ManagerCheck:
    """Who may change feeds and schedules: workspace admins/owners, or the manager user group.

    A failing lookup (missing ``users:read``/``usergroups:read`` scope, network) is logged
    and counts as "no": refusing a settings change is the safe side.
    """

    def __init__(self, client: AsyncWebClient, group: str | None) -> None:
        self.client = client
        self.group = (group or "").strip().lstrip("@").lower() or None

    async def allows(self, user_id: str) -> bool:
        return await self._is_admin(user_id) or await self._in_group(user_id)

    async def _is_admin(self, user_id: str) -> bool:
        try:
            user = (await self.client.users_info(user=user_id))["user"]
        except _LOOKUP_ERRORS as exc:
            log.warning("slack: users.info for %s failed (%s); treating as not an admin", user_id, exc)
            return False
        return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))

    async def _in_group(self, user_id: str) -> bool:
        if not self.group:
            return False
        try:
            groups = (await self.client.usergroups_list())["usergroups"]
            ids = [
                g["id"]
                for g in groups
                if self.group in (str(g.get("handle", "")).lower(), str(g.get("name", "")).lower())
            ]
            if not ids:
                log.warning("slack: SLACK_MANAGER_GROUP %r matches no user group handle or name", self.group)
            for group_id in ids:
                members = (await self.client.usergroups_users_list(usergroup=group_id))["users"]
                if user_id in members:
                    return True
        except _LOOKUP_ERRORS as exc:
            log.warning("slack: user group lookup for %s failed (%s); treating as not a manager", user_id, exc)
        return False


@dataclass
class SlackPlatform:
    """A running Slack adapter (see ``bot.core.interface.Platform``)."""

    app: AsyncApp
    client: AsyncWebClient
    service: CommandService
    managers: ManagerCheck
    deliverer: SlackDeliverer
    mode: str  # "http" | "socket"
    host: str | None = None
    port: int | None = None
    _runner: web.AppRunner | None = None
    _socket: AsyncSocketModeHandler | None = None
    _tasks: set[asyncio.Task] = field(default_factory=set)
    _closed: bool = False

    # --- lifecycle -----------------------------------------------------------------------

    def is_ready(self) -> bool:
        if self._closed:
            return False
        if self.mode == "http":
            return self._runner is not None
        session = self._socket.client.current_session if self._socket else None
        return session is not None and not session.closed

    async def close(self) -> None:
        """Stop taking commands, give replies in flight a few seconds, then disconnect."""
        if self._closed:
            return
        self._closed = True
        if self._socket is not None:
            await self._socket.close_async()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=CLOSE_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        log.info("slack: closed")

    # --- commands ------------------------------------------------------------------------

    async def on_command(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        """Acknowledge at once; the command runs after Slack has its answer."""
        parsed = parse(body.get("command", ""), body.get("text", ""))
        if not parsed.ok:
            await ack(response_type="ephemeral", text=escape_bot_text(parsed.problem or ""))
            return
        await ack(response_type="ephemeral", text=WORKING_TEXT)
        task = asyncio.create_task(self._run(body, parsed, respond))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, body: dict[str, Any], parsed: ParsedCommand, respond: Any) -> None:
        try:
            invocation = await self._invocation(body, parsed)
            log.info("slack: /%s by %s in %s", invocation.command, invocation.user_id, invocation.channel.channel_id)
            reply = await self.service.handle(invocation)
        except Exception:
            log.exception("slack: command %s failed", parsed.command)
            reply = Reply(text="Sorry, that failed on our side; the error is logged.", ephemeral=True, error=True)
        try:
            await self.send_reply(body, reply, respond)
        except Exception:
            log.exception("slack: could not post the reply to %s in %s", parsed.command, body.get("channel_id"))

    async def _invocation(self, body: dict[str, Any], parsed: ParsedCommand) -> Invocation:
        spec = command_spec(parsed.command or "")
        user_id = body.get("user_id", "")
        can_manage = await self.managers.allows(user_id) if spec is not None and spec.manage else False
        channel = ChannelRef(
            platform="slack", channel_id=body.get("channel_id", ""), guild_id=body.get("team_id") or None
        )
        return Invocation(
            channel=channel,
            user_id=user_id,
            command=parsed.command or "",
            options=dict(parsed.options),
            can_manage=can_manage,
        )

    async def send_reply(self, body: dict[str, Any], reply: Reply, respond: Any) -> None:
        """Through the response_url while it lasts, then the Web API."""
        response_type = "ephemeral" if reply.ephemeral else "in_channel"
        for index, message in enumerate(render_reply(reply)):
            if body.get("response_url") and index < RESPONSE_URL_USES:
                if await self._via_response_url(respond, message, response_type):
                    continue
            if reply.ephemeral:
                await self.client.chat_postEphemeral(
                    channel=body["channel_id"], user=body["user_id"], text=message.text, blocks=message.blocks
                )
            else:
                await post_message(self.client, body["channel_id"], message)

    async def _via_response_url(self, respond: Any, message: SlackMessage, response_type: str) -> bool:
        try:
            result = await respond(
                text=message.text,
                blocks=message.blocks,
                response_type=response_type,
                replace_original=False,
                unfurl_links=False,
                unfurl_media=False,
            )
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
            log.warning("slack: response_url failed (%s); using the Web API", exc)
            return False
        if result.status_code != 200:
            log.warning("slack: response_url answered %s %s; using the Web API", result.status_code, result.body)
            return False
        return True

    # --- HTTP mode -----------------------------------------------------------------------

    async def handle_http(self, request: web.Request) -> web.Response:
        """One request from Slack; slack_bolt verifies its signature and age before anything runs."""
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        if not timestamp.isdigit() or len(timestamp) > 12:
            log.warning("slack: refused a request without a valid timestamp from %s", request.remote)
            return web.json_response({"error": "invalid request"}, status=401)
        bolt_response = await self.app.async_dispatch(await to_bolt_request(request))
        if bolt_response.status == 401:
            log.warning("slack: refused a request with a bad signature or stale timestamp from %s", request.remote)
        return await to_aiohttp_response(bolt_response)

    async def serve_http(self, host: str, port: int) -> None:
        webapp = web.Application(client_max_size=256 * 1024)
        webapp.router.add_post(EVENTS_PATH, self.handle_http)
        runner = web.AppRunner(webapp, access_log=None, shutdown_timeout=CLOSE_GRACE_SECONDS)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise StartError(f"SLACK_PORT {port} on {host} cannot be used: {exc.strerror or exc}.") from None
        self._runner = runner
        self.host = host
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("slack: taking requests on http://%s:%s%s", host, self.port, EVENTS_PATH)

    # --- Socket Mode ---------------------------------------------------------------------

    async def connect_socket(self, app_token: str, timeout: float = SOCKET_CONNECT_SECONDS) -> None:
        """Connect once, or fail in one sentence.

        slack_sdk's ``connect()`` retries forever, which suits reconnects but would hang
        the start on a wrong token; so the first WebSocket URL is fetched here (a refused
        token fails at once) and the first connection is bounded in time. Reconnects
        after that are slack_sdk's.
        """
        try:
            opened = await self.client.apps_connections_open(app_token=app_token)
        except SlackApiError as exc:
            raise SettingsError(f"SLACK_APP_TOKEN was refused by Slack ({exc.response.get('error')}).") from None
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise StartError(f"Slack Socket Mode is unreachable at {self.client.base_url} ({exc}).") from None
        handler = AsyncSocketModeHandler(self.app, app_token=app_token, web_client=self.client)
        handler.client.wss_uri = opened["url"]
        try:
            await asyncio.wait_for(handler.connect_async(), timeout)
        except asyncio.TimeoutError:
            await handler.close_async()
            raise StartError(f"Could not open the Slack Socket Mode connection within {timeout:.0f} s.") from None
        self._socket = handler
        log.info("slack: connected in Socket Mode")


async def start(settings: Any, service: CommandService) -> SlackPlatform:
    """Start the Slack adapter the settings describe; raise ``SettingsError`` on a wrong one."""
    bot_token = _secret(settings.slack_bot_token)
    signing_secret = _secret(settings.slack_signing_secret)
    app_token = _secret(settings.slack_app_token)
    if not bot_token:
        raise SettingsError("SLACK_BOT_TOKEN is not set.")
    if not (app_token or signing_secret):
        raise SettingsError("Set SLACK_SIGNING_SECRET (HTTP requests) or SLACK_APP_TOKEN (Socket Mode).")
    client = web_client(bot_token, settings.slack_api_url)
    await _check_token(client)
    socket_mode = app_token is not None
    if socket_mode and signing_secret:
        log.info("slack: SLACK_APP_TOKEN is set, so Socket Mode is used and SLACK_PORT stays closed")
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret or "unused-in-socket-mode",
        request_verification_enabled=not socket_mode,
        process_before_response=False,
    )
    platform = SlackPlatform(
        app=app,
        client=client,
        service=service,
        managers=ManagerCheck(client, settings.slack_manager_group),
        deliverer=SlackDeliverer(client),
        mode="socket" if socket_mode else "http",
    )
    for slash in SLASH_GROUPS:
        app.command(slash)(platform.on_command)
    if socket_mode:
        await platform.connect_socket(app_token)  # type: ignore[arg-type]
    else:
        host = getattr(settings, "slack_host", None) or "0.0.0.0"
        await platform.serve_http(host, settings.slack_port)
    return platform


async def _check_token(client: AsyncWebClient) -> None:
    """Fail at start, in one sentence, on a token Slack refuses; tolerate a network blip."""
    try:
        result = await client.auth_test()
        log.info("slack: signed in as %s in team %s", result.get("user"), result.get("team"))
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error in _FATAL_AUTH_ERRORS:
            raise SettingsError(f"SLACK_BOT_TOKEN was refused by Slack ({error}).") from None
        log.warning("slack: auth.test failed (%s); continuing", error)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        log.warning("slack: could not reach the Slack API at %s (%s); continuing", client.base_url, exc)
