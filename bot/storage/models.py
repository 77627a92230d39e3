"""SQLAlchemy 2 table definitions.

Channels are stored as ``platform:channel_id`` strings so Discord, Slack and the
terminal share every table. Times are stored as naive UTC and handed back aware
(``UTCDateTime``), because SQLite has no time zone type and PostgreSQL's would make
the two back ends disagree.
"""

from __future__ import annotations

import hashlib

from datetime import datetime, timezone
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    pass


class SchemaVersion(Base):
    """One row: the schema version this database was migrated to."""

    __tablename__ = "schema_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class Feed(Base):
    """A feed some channel follows, with its polling state (shared by all its channels)."""

    __tablename__ = "feeds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str | None] = mapped_column(String(512))
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    last_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_parsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last full (200) read; v2


class Subscription(Base):
    """Channel follows feed. ``created_at`` bounds its first digest (no backlog flood)."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("channel", "feed_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(255), index=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Schedule(Base):
    """A channel's daily digest time: local ``hour:minute`` on ``days`` in zone ``tz``."""

    __tablename__ = "schedules"
    channel: Mapped[str] = mapped_column(String(255), primary_key=True)
    hour: Mapped[int] = mapped_column(Integer)
    minute: Mapped[int] = mapped_column(Integer)
    tz: Mapped[str] = mapped_column(String(64))
    days: Mapped[str] = mapped_column(String(64))  # APScheduler day_of_week, "*" = daily
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: v5: raised past every other schedule's on each change, so a scheduler (the leader,
    #: whichever replica took the command) finds what changed since it last looked.
    version: Mapped[int] = mapped_column(Integer, default=0, index=True)
    # what the digest holds (v3); None = the defaults in bot.core.digests
    digest_stories: Mapped[int | None] = mapped_column(Integer, nullable=True)
    digest_sentences: Mapped[int | None] = mapped_column(Integer, nullable=True)


class StoredEntry(Base):
    """An entry seen in a feed, as stored (``briefings.feeds.FeedEntry`` is the entry as read).

    ``backlog`` marks what was there when the feed was added.

    ``last_seen_at`` is the last full read of the feed that listed it: an entry seen
    last before its feed's ``last_parsed_at`` has left the feed and may be pruned once
    old enough (it cannot come back as "new" while the feed still lists it).
    """

    __tablename__ = "feed_entries"
    __table_args__ = (UniqueConstraint("feed_id", "entry_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    entry_key: Mapped[str] = mapped_column(String(2048))
    url: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(String(1024))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    backlog: Mapped[bool] = mapped_column(Boolean, default=False)
    content_key: Mapped[str | None] = mapped_column(String(64))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # v2


class ArticleRef(Base):
    """Which content a URL resolved to, so /quotes and autocomplete find the cached brief."""

    __tablename__ = "articles"
    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    content_key: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str | None] = mapped_column(String(1024))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CachedBrief(Base):
    """A brief by content and length: briefed once however many channels or URLs reach it.

    ``sentences`` is part of the key because the summary depends on it (quotes do not).
    ``engine`` is the version of the engine that made it (``briefings.version``): a brief
    made by another engine is not served but recomputed, and replaces this row.
    """

    __tablename__ = "briefs"
    content_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    sentences: Mapped[int] = mapped_column(Integer, primary_key=True)
    brief_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    engine: Mapped[str | None] = mapped_column(String(128))  # v4


class DigestStatus(StrEnum):
    """Where a scheduled digest is in its life; see ``bot.scheduling`` for the transitions."""

    CLAIMED = "claimed"  # the day's row exists; its stories are being gathered (or a crash left it)
    SENDING = "sending"  # built: its messages are stored and being sent, ``sent_count`` so far
    POSTED = "posted"  # every message delivered
    FAILED = "failed"  # given up: its stories go to the next digest
    SKIPPED = "skipped"  # missed beyond the grace period


#: A digest in one of these states is resumed (within the grace period) by the leader.
UNFINISHED = (DigestStatus.CLAIMED, DigestStatus.SENDING)


class Digest(Base):
    """One scheduled digest per channel and local date; the row is claimed BEFORE anything else.

    The UNIQUE (channel, local date) claim makes a second digest of a day impossible; the
    stored messages (``payload``, one JSON object per platform message) and ``sent_count``
    let a restart resume a digest from its first unsent message, and each message carries
    an idempotency key (``delivery_key``) so a message in flight at a crash is not repeated.
    """

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("channel", "local_date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(255), index=True)
    local_date: Mapped[str] = mapped_column(String(10))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str | None] = mapped_column(Text)  # v3: JSON list of the platform messages
    message_count: Mapped[int] = mapped_column(Integer, default=0)  # v3
    sent_count: Mapped[int] = mapped_column(Integer, default=0)  # v3: messages delivered so far
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # v3: build/send attempts begun
    #: v7: the lease on the current attempt: when its owner last showed it is alive (claim,
    #: begin, heartbeat), by the owner's clock; ``None`` once it gave the attempt back. The
    #: attempt number (``attempts``) is the owner's token. See ``bot.digest_lease``.
    attempt_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def delivery_key(self) -> str:
        """A short stable id of this digest (channel + local date), the stem of its messages' keys."""
        digest = hashlib.sha256(f"{self.channel}|{self.local_date}".encode()).hexdigest()
        return f"bb{digest[:14]}"
