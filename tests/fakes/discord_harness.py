"""Running the real bot's Discord side against the fake Discord, with the real command layer.

``DiscordHarness`` opens a real core (SQLite file, real fetching and briefing), the real
scheduler and feed poller when asked, and starts ``bot.platforms.discord`` — the real
discord.py client, over sockets to ``FakeDiscord`` on 127.0.0.1 (REST and a zlib-stream
gateway). When ``bot.runner`` exists and ``via_runner=True``, the bot is started by the
runner instead, exactly as ``briefbot run`` does.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from bot.core.app import Core
from bot.core.workers import Briefer, ThreadBriefer
from bot.settings import Settings
from fakes.discord_server import FakeDiscord
from fakes.recording import RecordingService


def discord_settings(tmp_path: Path, fake: FakeDiscord, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        database_url=f"sqlite:///{tmp_path}/data/briefbot.db",
        briefbot_fetch_allow_hosts="127.0.0.1",
        workers=1,
        feed_poll_seconds=60,
        digest_grace_seconds=3600,
        discord_token=fake.token,
        discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
        health_port=0,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)


def discord_env(tmp_path: Path, fake: FakeDiscord, **overrides: str) -> dict[str, str]:
    """Environment variables for ``briefbot run`` as a subprocess."""
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/data/briefbot.db",
        "BRIEFBOT_FETCH_ALLOW_HOSTS": "127.0.0.1",
        "WORKERS": "1",
        "HEALTH_PORT": "0",
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
    }
    env.update(overrides)
    return env


def html_article(title: str, paragraphs: list[str]) -> str:
    """A news page around the given text (escaped, so the *text* holds any ``<@&123>``)."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{html.escape(title)}</h1>"
        f"{body}</article><footer>Copyright Test News</footer></body></html>"
    )


class DiscordHarness:
    def __init__(self, tmp_path: Path, fake: FakeDiscord, **overrides: Any) -> None:
        self.settings = discord_settings(tmp_path, fake, **overrides)
        self.fake = fake
        self.core: Core | None = None
        self.service: RecordingService | None = None
        self.platform: Any = None
        self.scheduler: Any = None

    async def start(
        self, *, scheduler_class: Any = None, briefer: Briefer | None = None, core: Core | None = None
    ) -> "DiscordHarness":
        """Open the core (or reuse one), the scheduler if asked, then the Discord adapter."""
        from bot.platforms import discord as discord_platform

        self.core = core or Core.open(self.settings, briefer=briefer or ThreadBriefer())
        self.service = RecordingService(self.core.service)
        if scheduler_class is not None:
            from bot.scheduling import FeedPoller

            c = self.core
            poller = FeedPoller(c.store, c.sources, c.cache, c.clock, interval_seconds=self.settings.feed_poll_seconds)
            self.scheduler = scheduler_class(
                c.store, c.service, c.clock, poller=poller, grace_seconds=self.settings.digest_grace_seconds
            )
        self.platform = await discord_platform.start(self.settings, self.service)
        if self.scheduler is not None:
            self.scheduler.register_deliverer(self.platform.deliverer)
            await self.scheduler.start(poll_seconds=self.settings.feed_poll_seconds)
        return self

    async def close(self, *, keep_core: bool = False) -> None:
        if self.scheduler is not None:
            await self.scheduler.shutdown(timeout=5)
            self.scheduler = None
        if self.platform is not None:
            await self.platform.close()
            self.platform = None
        if self.core is not None and not keep_core:
            await self.core.aclose()
            self.core = None
