"""Helpers shared by the bot-core tests: a real core on a SQLite file, feeds, fakes of platforms.

The briefing library is always the real one; only the chat platform is replaced, by a
``RecordingDeliverer`` that keeps what would have been posted.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from bot.core.app import Core
from bot.core.clock import Clock
from bot.core.interface import ChannelRef, Invocation, Reply
from bot.core.workers import ThreadBriefer
from bot.settings import Settings

CHANNEL = ChannelRef("discord", "100", "9")
OTHER = ChannelRef("slack", "C200", "T1")


def make_settings(tmp_path: Path, **overrides) -> Settings:
    values = dict(
        database_url=f"sqlite:///{tmp_path}/data/briefbot.db",
        briefbot_fetch_allow_hosts="127.0.0.1",
        feed_poll_seconds=60,
        digest_grace_seconds=3600,
        workers=1,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)


class CountingBriefer(ThreadBriefer):
    """The real engine in a worker thread, counting the articles it is given."""


def open_core(tmp_path: Path, clock: Clock | None = None, *, observer=None, **overrides) -> Core:
    return Core.open(
        make_settings(tmp_path, **overrides),
        briefer=CountingBriefer(),
        clock=clock,
        allow_files=True,
        observer=observer,
    )


def inv(command: str, channel: ChannelRef = CHANNEL, manage: bool = True, user: str = "u1", **options) -> Invocation:
    return Invocation(
        channel=channel,
        user_id=user,
        command=command,
        options={k: v for k, v in options.items() if v is not None},
        can_manage=manage,
    )


class RecordingDeliverer:
    """Keeps each digest delivered, as ``(channel, Reply)``, in ``sent``; every message's key in ``keys``.

    A reply is one message; the Reply itself stands in the prepared payload under
    ``"reply"`` (an index into ``prepared``) so tests can inspect its cards.
    """

    def __init__(self, platform: str = "discord", fail: bool = False) -> None:
        self.platform = platform
        self.fail = fail
        self.prepared: list[Reply] = []
        self.sent: list[tuple[ChannelRef, Reply]] = []
        self.keys: list[str] = []

    async def prepare(self, reply: Reply) -> list[dict]:
        self.prepared.append(reply)
        return [{"reply": len(self.prepared) - 1}]

    async def send(self, channel: ChannelRef, message: dict, key) -> None:
        if self.fail:
            raise RuntimeError("platform refused the message")
        self.keys.append(key.token)
        self.sent.append((channel, self.prepared[message["reply"]]))

    async def deliver(self, channel: ChannelRef, reply: Reply, key: str | None = None) -> None:
        """A one-off reply (a notice), as ``OneOffDelivery`` posts it."""
        if self.fail:
            raise RuntimeError("platform refused the message")
        self.keys.append(key or "one-off")
        self.sent.append((channel, reply))


_PEOPLE = [
    ("Maria Lopez", "the mayor"),
    ("Tom Becker", "a union spokesman"),
    ("Aiko Tanaka", "the transport minister"),
    ("Samuel Okafor", "an economist at Leeds"),
]


def story(n: int, topic: str = "the harbour tunnel") -> str:
    """A small, distinct news story with two quoted speakers (plain text, headline first)."""
    a, arole = _PEOPLE[n % len(_PEOPLE)]
    b, brole = _PEOPLE[(n + 1) % len(_PEOPLE)]
    return (
        f"Council approves plan number {n} for {topic}\n\n"
        f"The city council on Tuesday approved plan number {n} for {topic}, ending a debate "
        f"that had run for {n + 2} months and divided residents across the district.\n\n"
        f'"This is the day we stop arguing and start building," said {a}, {arole}. '
        f"{a.split()[0]} added that the first contracts would be signed before the end of the year.\n\n"
        f'Critics were not convinced. "Nobody has shown us the real cost of plan {n}," '
        f"said {b}, {brole}, who warned that delays would hit commuters hardest.\n\n"
        f"The project is expected to cost about {n + 3} billion euros and to take {n + 4} years. "
        f"Officials said funding would come from national grants and a new levy on freight.\n\n"
        f"{b.split()[-1]} said the council should publish its estimates in full before any "
        f"work starts, and that residents deserved a vote on the final design."
    )


def rss(title: str, items: list[dict], link: str = "http://127.0.0.1/") -> str:
    """An RSS 2.0 document; each item has ``guid``, ``link``, ``title`` and optional ``description``."""
    parts = [
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{escape(link)}</link><description>test</description>"
    ]
    for it in items:
        parts.append(
            "<item>"
            f"<title>{escape(it['title'])}</title><link>{escape(it['link'])}</link>"
            f"<guid>{escape(it['guid'])}</guid>"
            f"<description>{escape(it.get('description', 'Read the full story.'))}</description>"
            + (f"<pubDate>{format_datetime(it['date'])}</pubDate>" if isinstance(it.get("date"), datetime) else "")
            + "</item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts)


class FeedSite:
    """A news site on the test HTTP server: story pages plus one RSS feed that can grow."""

    def __init__(self, server, path: str = "/feed.xml", title: str = "Test News") -> None:
        self.server = server
        self.path = path
        self.title = title
        self.items: list[dict] = []
        self.version = 0

    def add_story(self, n: int, topic: str = "the harbour tunnel") -> str:
        page = f"/story/{n}"
        self.server.route(page, story(n, topic), content_type="text/plain; charset=utf-8")
        url = self.server.url(page)
        self.items.insert(0, {"guid": f"story-{n}", "link": url, "title": f"Plan {n} approved"})
        self.publish()
        return url

    def publish(self) -> None:
        self.version += 1
        self.server.route(
            self.path,
            rss(self.title, self.items),
            etag=f'"v{self.version}"',
            content_type="application/rss+xml; charset=utf-8",
        )

    @property
    def url(self) -> str:
        return self.server.url(self.path)
