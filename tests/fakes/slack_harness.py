"""Running the real Slack adapter against the fake Slack, with the real command layer.

``SlackHarness`` opens a real core (SQLite file, real fetching and briefing, the engine in
a worker thread), starts ``bot.platforms.slack`` in HTTP or Socket Mode, and posts slash
commands to it exactly as Slack does: a form-encoded body signed with
``v0=HMAC-SHA256(signing_secret, "v0:{timestamp}:{body}")``.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.core.app import Core
from bot.core.workers import ThreadBriefer
from bot.settings import Settings
from fakes.slack_api import TEAM_ID, FakeSlack
from fakes.recording import RecordingService

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


class _Settings(Settings):
    """Binds tests to loopback even before the core's settings know ``SLACK_HOST``."""

    slack_host: str = "127.0.0.1"


def sign(secret: str, timestamp: str, body: str) -> str:
    """Slack's request signature."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def html_article(title: str, paragraphs: list[str]) -> str:
    """A news page around the given text (escaped, so the *text* holds any ``<!channel>``)."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{html.escape(title)}</h1>{body}"
        f"</article><footer>Copyright Test News</footer></body></html>"
    )


def seed_page(path: Path) -> tuple[str, str]:
    """(title, HTML page) for a seed article file: headline line first, paragraphs after."""
    text = path.read_text(encoding="utf-8")
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
    return blocks[0], html_article(blocks[0], blocks[1:])


@dataclass
class Posted:
    """What Slack got back from one slash-command request."""

    status: int
    body: Any
    seconds: float
    response_url: str


class SlackHarness:
    def __init__(self, tmp_path: Path, fake: FakeSlack, **overrides: Any) -> None:
        values: dict[str, Any] = dict(
            database_url=f"sqlite:///{tmp_path}/briefbot.db",
            briefbot_fetch_allow_hosts="127.0.0.1",
            workers=1,
            slack_bot_token=fake.bot_token,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake.api_url,
            slack_port=0,
            feed_poll_seconds=60,
        )
        values.update(overrides)
        self.settings = _Settings(_env_file=None, **values)
        self.fake = fake
        self.core: Core | None = None
        self.service: RecordingService | None = None
        self.platform: Any = None
        self.scheduler: Any = None

    async def start(self, scheduler_class: Any = None) -> "SlackHarness":
        """Open the core, then (optionally) the real scheduler and feed poller, then Slack."""
        from bot.platforms import slack

        self.core = Core.open(self.settings, briefer=ThreadBriefer())
        self.service = RecordingService(self.core.service)
        if scheduler_class is not None:
            from bot.scheduling import FeedPoller

            core = self.core
            poller = FeedPoller(
                core.store, core.sources, core.cache, core.clock, interval_seconds=self.settings.feed_poll_seconds
            )
            self.scheduler = scheduler_class(
                core.store, core.service, core.clock, grace_seconds=self.settings.digest_grace_seconds, poller=poller
            )
        self.platform = await slack.start(self.settings, self.service)
        if self.scheduler is not None:
            self.scheduler.register_deliverer(self.platform.deliverer)
            await self.scheduler.start(poll_seconds=self.settings.feed_poll_seconds)
        return self

    async def close(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.shutdown(timeout=5)
        if self.platform is not None:
            await self.platform.close()
        if self.core is not None:
            await self.core.aclose()

    @property
    def events_url(self) -> str:
        port = self.platform.port if self.platform is not None else self.settings.slack_port
        return f"http://127.0.0.1:{port}/slack/events"

    def form(
        self, command: str, text: str, user: str = "UALICE", channel: str = "C0GENERAL", response_url: str | None = None
    ) -> dict[str, str]:
        return {
            "token": "deprecated-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "test",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "AFAKE",
            "is_enterprise_install": "false",
            "response_url": response_url or self.fake.response_url(),
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        }

    async def post(
        self,
        command: str,
        text: str = "",
        *,
        user: str = "UALICE",
        channel: str = "C0GENERAL",
        timestamp: int | str | None = None,
        secret: str = SIGNING_SECRET,
        signature: str | None = None,
    ) -> Posted:
        """POST a slash command as Slack would; returns status, JSON body and time to answer.

        ``timestamp``/``secret``/``signature`` let a test forge what Slack would never send;
        an empty-string timestamp leaves the header out.
        """
        form = self.form(command, text, user=user, channel=channel)
        body = urllib.parse.urlencode(form)
        ts = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or sign(secret, ts, body),
        }
        if not ts:
            del headers["X-Slack-Request-Timestamp"]
        started = time.monotonic()
        async with aiohttp.ClientSession() as session:
            async with session.post(self.events_url, data=body, headers=headers) as resp:
                text_body = await resp.text()
                seconds = time.monotonic() - started
                try:
                    parsed: Any = await resp.json(content_type=None)
                except ValueError:
                    parsed = text_body
        return Posted(resp.status, parsed, seconds, form["response_url"])
