"""Discord adapter: discord.py 2 client + slash-command tree, translating only.

An interaction becomes an ``Invocation`` (``discord_commands``), a ``Reply`` becomes
messages (``discord_render``); what a command means is the command layer's business.
Three habits keep the bot well-behaved on Discord:

* every interaction is deferred before anything else happens, because Discord forgets
  an interaction that is not acknowledged within 3 seconds and a brief can take longer;
* nothing the bot posts can mention anyone (``AllowedMentions.none()`` on the client and
  on every send, plus escaped article text);
* commands are synced only when their definitions change (a hash kept under the data
  directory), since Discord rate-limits command registration hard.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.core.interface import ChannelRef, CommandService, DeliveryKey, OneOffDelivery, Payload, Reply
from bot.platforms.discord_commands import EPHEMERAL_COMMANDS, build_tree, to_invocation
from bot.platforms.discord_render import OutgoingMessage, render_reply
from bot.errors import StartError
from bot.settings import SettingsError

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"
NO_MENTIONS = discord.AllowedMentions.none()
AUTOCOMPLETE_TIMEOUT = 2.0  # Discord drops autocomplete answers after 3 s
CONNECT_TIMEOUT = 30.0
CLOSE_TIMEOUT = 10.0
SYNC_STATE_FILE = "discord-commands.json"
INLINE_RENDER_CARDS = 2
#: Discord's error code for a second acknowledgement of one interaction.
ALREADY_ACKNOWLEDGED = 40060
FAILURE_TEXT = "Sorry, something went wrong while answering that. Please try again."


def _secret(value: Any) -> str:
    if value is None:
        return ""
    getter = getattr(value, "get_secret_value", None)
    return (getter() if getter else str(value)).strip()


def point_discord_py_at(api_url: str, gateway_url: str | None) -> None:
    """Make discord.py talk to ``api_url`` / ``gateway_url`` (a proxy, or the test fake).

    discord.py keeps both as class attributes, so this is process-wide: one Discord bot
    per process, which is how the runner uses it. Calling it again restores the defaults.
    """
    Route.BASE = api_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url or DEFAULT_GATEWAY_URL)


def intents() -> discord.Intents:
    """Slash commands need no privileged intent; guilds gives channel/role caches."""
    return discord.Intents(guilds=True)


def make_client(settings: Any) -> discord.Client:
    """A ``Client``, or an ``AutoShardedClient`` when DISCORD_SHARD_COUNT (and optionally
    DISCORD_SHARD_IDS, for replicas splitting the shards) ask for one — see
    ``bot.ops.sharding``; both are Settings, checked at start."""
    from bot.ops.sharding import ShardSettingsError, shard_plan

    # The bot never joins voice: skip discord.py's start-up warnings about voice libraries.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    try:
        plan = shard_plan(getattr(settings, "discord_shard_count", None), getattr(settings, "discord_shard_ids", None))
    except ShardSettingsError as exc:
        raise SettingsError(str(exc)) from None
    options: dict[str, Any] = {"intents": intents(), "allowed_mentions": NO_MENTIONS, **plan.client_options()}
    if plan.sharded:
        return discord.AutoShardedClient(**options)
    return discord.Client(**options)


async def render(reply: Reply) -> list[OutgoingMessage]:
    """Render on the loop when small; a digest's many cards are escaped and split in a
    thread, so a big digest never holds up the acknowledgement of other interactions."""
    if len(reply.cards) <= INLINE_RENDER_CARDS:
        return render_reply(reply)
    return await asyncio.to_thread(render_reply, reply)


class DiscordDeliverer(OneOffDelivery):
    """Posts scheduled digests as channel messages (raises on failure, as the core expects).

    Each message carries its digest key as ``nonce`` with ``enforce_nonce`` (discord.py sets
    it with any nonce): Discord answers a repeated nonce within a few minutes with the
    message it already created, so a resend after a crash posts nothing twice.
    """

    platform = "discord"

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def prepare(self, reply: Reply) -> list[Payload]:
        return [{"content": m.content, "embeds": [e.to_dict() for e in m.embeds]} for m in await render(reply)]

    async def send(self, channel: ChannelRef, message: Payload, key: DeliveryKey) -> None:
        guild_id = int(channel.guild_id) if channel.guild_id and channel.guild_id.isdigit() else None
        target = self._client.get_partial_messageable(int(channel.channel_id), guild_id=guild_id)
        embeds = [discord.Embed.from_dict(e) for e in message.get("embeds") or []]
        await target.send(
            content=message.get("content") or None, embeds=embeds, nonce=key.token, allowed_mentions=NO_MENTIONS
        )
        log.info("discord: delivered digest message %s to channel %s", key.token, channel.channel_id)


class CommandSync:
    """Sync the tree only when its JSON changed since the last successful sync."""

    def __init__(self, tree: app_commands.CommandTree, state_dir: Path, dev_guild_id: str | None) -> None:
        self.tree = tree
        self.path = state_dir / SYNC_STATE_FILE
        self.guild = discord.Object(id=int(dev_guild_id)) if dev_guild_id else None

    def _scope_key(self, application_id: int | None) -> str:
        scope = f"guild:{self.guild.id}" if self.guild else "global"
        return f"{application_id}:{Route.BASE}:{scope}"

    def definitions_hash(self) -> str:
        commands = self.tree.get_commands(guild=self.guild)
        payload = sorted((c.to_dict(self.tree) for c in commands), key=lambda c: c["name"])
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _save(self, key: str, digest: str) -> None:
        state = self._load()
        state[key] = digest
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)

    async def sync_if_changed(self, application_id: int | None) -> bool:
        """Returns whether a sync happened. A failed sync is logged and retried next start."""
        if self.guild is not None:
            self.tree.copy_global_to(guild=self.guild)
        key, digest = self._scope_key(application_id), self.definitions_hash()
        if self._load().get(key) == digest:
            log.info("discord: slash commands unchanged, not syncing")
            return False
        try:
            synced = await self.tree.sync(guild=self.guild)
        except discord.HTTPException as exc:
            log.error("discord: could not sync slash commands (%s %s); will retry next start", exc.status, exc.text)
            return False
        try:
            self._save(key, digest)
        except OSError as exc:  # e.g. a read-only data directory: harmless, re-synced next start
            log.warning("discord: could not record the synced commands in %s (%s)", self.path, exc)
        where = f"guild {self.guild.id}" if self.guild else "globally"
        log.info("discord: synced %d slash commands %s", len(synced), where)
        return True


def state_dir(settings: Any) -> Path:
    """Where small adapter state lives: next to the SQLite file, else ``data/``."""
    explicit = getattr(settings, "data_dir", None)
    if explicit:
        return Path(explicit)
    sqlite = settings.sqlite_path() if hasattr(settings, "sqlite_path") else None
    return sqlite.parent if sqlite is not None else Path("data")


class DiscordPlatform:
    """A running Discord adapter (see ``bot.core.interface.Platform``)."""

    def __init__(self, settings: Any, service: CommandService) -> None:
        self.settings = settings
        self.service = service
        self.manager_role: str | None = getattr(settings, "discord_manager_role", None)
        self.client = make_client(settings)
        self.tree = build_tree(self.client, self._on_command, self._on_autocomplete)
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        self.deliverer = DiscordDeliverer(self.client)
        self.sync = CommandSync(self.tree, state_dir(settings), getattr(settings, "discord_dev_guild_id", None))
        self._connected = asyncio.Event()
        self._gateway_task: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[Any]] = set()
        self._started = False
        self.client.event(self.on_connect)
        self.client.event(self.on_resumed)
        self.client.event(self.on_disconnect)

    # -- gateway state -------------------------------------------------------------------

    async def on_connect(self) -> None:
        self._connected.set()
        log.info("discord: connected to the gateway as %s", self.client.user)

    async def on_resumed(self) -> None:
        self._connected.set()
        log.info("discord: gateway session resumed")

    async def on_disconnect(self) -> None:
        if self._connected.is_set():
            log.warning("discord: gateway disconnected; discord.py is reconnecting")
        self._connected.clear()

    def is_ready(self) -> bool:
        return (
            self._connected.is_set()
            and not self.client.is_closed()
            and self._gateway_task is not None
            and not self._gateway_task.done()
        )

    # -- lifecycle -------------------------------------------------------------------------

    async def login(self) -> None:
        token = _secret(getattr(self.settings, "discord_token", None))
        if not token:
            raise SettingsError(
                "DISCORD_TOKEN is not set: create a bot in the Discord Developer "
                "Portal and put its token in DISCORD_TOKEN."
            )
        api_url = getattr(self.settings, "discord_api_url", None) or DEFAULT_API_URL
        point_discord_py_at(api_url, getattr(self.settings, "discord_gateway_url", None))
        try:
            await self.client.login(token)
        except discord.LoginFailure:
            await self.client.close()
            raise SettingsError(
                "Discord rejected DISCORD_TOKEN (401 Unauthorized): copy the bot token again from the Developer Portal."
            ) from None
        except (discord.HTTPException, OSError, asyncio.TimeoutError) as exc:
            await self.client.close()
            raise StartError(f"Could not log in to Discord at DISCORD_API_URL {api_url} ({_describe(exc)}).") from None
        if not getattr(self.settings, "discord_gateway_url", None) and api_url != DEFAULT_API_URL:
            await self._discover_gateway()

    async def _discover_gateway(self) -> None:
        """A non-default API (a proxy) announces its own gateway; use it over Discord's."""
        try:
            url = await self.client.http.get_bot_gateway()
        except discord.HTTPException as exc:
            log.warning("discord: GET /gateway/bot failed (%s); using %s", exc.status, DEFAULT_GATEWAY_URL)
            return
        gateway = url[1] if isinstance(url, tuple) else url
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)

    async def start(self) -> None:
        await self.login()
        await self.sync.sync_if_changed(self.client.application_id)
        self._gateway_task = asyncio.create_task(self._run_gateway(), name="discord-gateway")
        self._gateway_task.add_done_callback(self._gateway_ended)
        connected = asyncio.create_task(self._connected.wait())
        done, _ = await asyncio.wait(
            {connected, self._gateway_task}, timeout=CONNECT_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        connected.cancel()
        if self._gateway_task in done:
            exc = self._gateway_task.exception()
            await self.client.close()
            if isinstance(exc, (SettingsError, StartError)):
                raise exc
            raise StartError(
                f"Discord closed the gateway connection at start ({_describe(exc)}); check DISCORD_GATEWAY_URL."
            )
        if not done:
            log.warning("discord: gateway not connected after %.0fs; still trying", CONNECT_TIMEOUT)
        self._started = True

    def _gateway_ended(self, task: asyncio.Task[None]) -> None:
        """discord.py reconnects by itself; it gives up only on fatal closes (bad token,
        disallowed intents). Say so once: /healthz reports "discord not connected"."""
        if task.cancelled() or not self._started:
            return  # during start() the failure is raised to the runner instead
        exc = task.exception()
        if exc is not None:
            log.error("discord: gateway connection ended for good: %s", _describe(exc))

    async def _run_gateway(self) -> None:
        try:
            await self.client.connect(reconnect=True)
        except discord.ConnectionClosed as exc:
            if exc.code == 4004:
                raise SettingsError(
                    "Discord rejected DISCORD_TOKEN on the gateway (4004 Authentication failed)."
                ) from None
            raise
        finally:
            self._connected.clear()

    async def close(self) -> None:
        """Let in-flight answers finish briefly, then disconnect (bounded in time)."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=CLOSE_TIMEOUT / 2)
        try:
            await asyncio.wait_for(self.client.close(), timeout=CLOSE_TIMEOUT)
        except asyncio.TimeoutError:
            log.warning("discord: client close timed out")
        if self._gateway_task is not None:
            try:
                await asyncio.wait_for(self._gateway_task, timeout=CLOSE_TIMEOUT)
            except (asyncio.TimeoutError, asyncio.CancelledError, Exception) as exc:  # noqa: BLE001
                if not isinstance(exc, (asyncio.CancelledError,)):
                    log.debug("discord: gateway task ended with %r", exc)

    # -- interactions ------------------------------------------------------------------------

    async def _on_command(self, interaction: discord.Interaction, command: str, values: dict[str, Any]) -> None:
        ephemeral = command in EPHEMERAL_COMMANDS
        try:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        except discord.HTTPException as exc:
            if exc.code == ALREADY_ACKNOWLEDGED:
                # Replicas sharing a gateway session range each get every interaction; the
                # first to acknowledge answers it. Nothing failed.
                log.info("discord: /%s was acknowledged by another replica; it answers", command)
                return
            log.error(
                "discord: could not defer /%s (%s %s); Discord will show it failed", command, exc.status, exc.text
            )
            return
        task = asyncio.current_task()
        if task is not None:
            self._pending.add(task)
        try:
            inv = to_invocation(interaction, command, values, self.manager_role)
            log.info("discord: /%s in %s by %s", command, inv.channel.channel_id, inv.user_id)
            try:
                reply = await self.service.handle(inv)
            except Exception:  # noqa: BLE001 - the user gets a sentence, the log the details
                log.exception("discord: /%s failed in the command layer", command)
                reply = Reply(text=FAILURE_TEXT, ephemeral=True, error=True)
            await self._send_reply(interaction, reply, deferred_ephemeral=ephemeral)
        finally:
            if task is not None:
                self._pending.discard(task)

    async def _send_reply(self, interaction: discord.Interaction, reply: Reply, *, deferred_ephemeral: bool) -> None:
        messages = await render(reply)
        ephemeral = reply.ephemeral or deferred_ephemeral
        if reply.ephemeral and not deferred_ephemeral:
            # The "thinking" message is public; an error must not be. Remove it and answer
            # privately (follow-ups after the original response may be ephemeral).
            try:
                await interaction.delete_original_response()
            except discord.HTTPException as exc:
                log.debug("discord: could not delete the deferred response (%s)", exc.status)
        try:
            for message in messages:
                await self._followup(interaction, message, ephemeral)
        except discord.HTTPException as exc:
            log.error(
                "discord: follow-up for /%s failed (%s %s)",
                interaction.command.qualified_name if interaction.command else "?",
                exc.status,
                exc.text,
            )

    @staticmethod
    async def _followup(interaction: discord.Interaction, message: OutgoingMessage, ephemeral: bool) -> None:
        await interaction.followup.send(
            content=message.content or discord.utils.MISSING,
            embeds=message.embeds or discord.utils.MISSING,
            ephemeral=ephemeral,
            allowed_mentions=NO_MENTIONS,
        )

    async def _on_autocomplete(
        self, interaction: discord.Interaction, command: str, option: str, current: str
    ) -> list[str]:
        url = str(getattr(interaction.namespace, "url", "") or "")
        channel = None if url else ChannelRef("discord", str(interaction.channel_id or ""))  # the archive
        try:
            return await asyncio.wait_for(
                self.service.speaker_choices(url, current, channel), timeout=AUTOCOMPLETE_TIMEOUT
            )
        except asyncio.TimeoutError:
            log.info("discord: speaker autocomplete for %s timed out", url)
        except Exception:  # noqa: BLE001
            log.exception("discord: speaker autocomplete failed")
        return []

    async def _on_tree_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Errors discord.py raises before our callback runs (bad option values, etc.)."""
        log.warning("discord: command error: %s", error)
        text = "That command could not be read: " + str(error)[:300]
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            else:
                await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            log.debug("discord: could not report the command error to the user")


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    if isinstance(exc, discord.ConnectionClosed):
        return f"close code {exc.code}"
    if isinstance(exc, discord.HTTPException):
        return f"HTTP {exc.status}"
    return str(exc) or type(exc).__name__


async def start(settings: Any, service: CommandService) -> DiscordPlatform:
    """Start the Discord adapter: log in, sync commands if changed, connect the gateway.

    Raises ``SettingsError`` (one sentence) for a missing or rejected token.
    """
    platform = DiscordPlatform(settings, service)
    await platform.start()
    return platform
