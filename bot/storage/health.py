"""Feed health in the database: failure streaks, gone feeds, pauses, and notices claimed.

A feed's current failure streak starts at ``failing_since`` (its *episode*); a streak of
"gone" failures (404/410, not a feed any more) starts at ``gone_since``. A notice is
claimed by inserting a row unique on (feed, channel, kind, episode) *before* it is posted,
so no notice is posted twice on any number of replicas or across a restart (at most once,
like digests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, Select, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from bot.storage.models import Base, Feed, Subscription, UTCDateTime


class FeedHealthRow(Base):
    """One row per feed that has failed: the streak it is in, or the one it recovered from."""

    __tablename__ = "feed_health"
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    gone_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recovered_from: Mapped[str | None] = mapped_column(String(40))  # the episode that ended
    recovered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cause: Mapped[str | None] = mapped_column(String(16))  # of the last failure: gone | refused | down


class FeedNotice(Base):
    """A notice claimed for one channel; the UNIQUE constraint is the lock."""

    __tablename__ = "feed_notices"
    __table_args__ = (UniqueConstraint("feed_id", "channel", "kind", "episode"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # failing | recovered | paused
    episode: Mapped[str] = mapped_column(String(40))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class NoticeDue:
    """A notice some channel should get, not yet claimed."""

    feed_id: int
    url: str
    title: str | None
    channel: str
    kind: str
    episode: str
    error: str | None
    since: datetime | None
    cause: str | None = None


@dataclass(frozen=True)
class FeedState:
    """How a feed is doing, for /feeds list."""

    state: str  # ok | failing | gone | paused
    since: datetime | None


def episode_of(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


class FeedHealthStore:
    """Store methods for feed health (mixed into ``bot.storage.db.Store``)."""

    _sessions: "sessionmaker[Session]"  # set by Store

    def record_feed_health(self, feed_id: int, *, ok: bool, now: datetime, cause: str | None = None) -> None:
        """One poll's outcome: a failure starts or continues a streak, a success ends it."""
        with self._sessions.begin() as s:
            row = s.get(FeedHealthRow, feed_id)
            if ok:
                if row is not None and row.failing_since is not None:
                    row.recovered_from, row.recovered_at = episode_of(row.failing_since), now
                    row.failing_since = row.gone_since = None
                return
            if s.get(Feed, feed_id) is None:
                return
            if row is None:
                row = FeedHealthRow(feed_id=feed_id)
                s.add(row)
            row.failing_since = row.failing_since or now
            row.gone_since = (row.gone_since or now) if cause == "gone" else None
            row.cause = cause

    def pause_gone_feeds(self, now: datetime, after: timedelta) -> list[int]:
        """Pause feeds gone for ``after``; returns the ids paused now (each only once)."""
        with self._sessions.begin() as s:
            rows = list(
                s.scalars(
                    select(FeedHealthRow)
                    .where(
                        FeedHealthRow.gone_since.is_not(None),
                        FeedHealthRow.gone_since <= now - after,
                        FeedHealthRow.paused_at.is_(None),
                    )
                    .with_for_update()
                )
            )
            for row in rows:
                row.paused_at = now
            return [r.feed_id for r in rows]

    def paused_feed_ids(self) -> "Select[int]":
        return select(FeedHealthRow.feed_id).where(FeedHealthRow.paused_at.is_not(None))

    def resume_feed(self, feed_id: int, now: datetime) -> bool:
        """Poll a paused feed again (it was added again and reads); True if it was paused."""
        with self._sessions.begin() as s:
            row = s.get(FeedHealthRow, feed_id)
            if row is None or row.paused_at is None:
                return False
            if row.failing_since is not None:
                row.recovered_from, row.recovered_at = episode_of(row.failing_since), now
            row.failing_since = row.gone_since = row.paused_at = None
            feed = s.get(Feed, feed_id)
            if feed is not None:
                feed.next_poll_at = now
            return True

    def notices_due(self, now: datetime, failing_after: timedelta) -> list[NoticeDue]:
        """Notices not yet claimed: failing for ``failing_after``, recovered after a failing
        notice, paused."""
        with self._sessions() as s:
            rows = s.execute(select(FeedHealthRow, Feed).join(Feed, Feed.id == FeedHealthRow.feed_id)).all()
            if not rows:
                return []
            ids = [h.feed_id for h, _ in rows]
            channels: dict[int, list[str]] = {}
            for feed_id, channel in s.execute(
                select(Subscription.feed_id, Subscription.channel)
                .where(Subscription.feed_id.in_(ids))
                .order_by(Subscription.channel)
            ):
                channels.setdefault(feed_id, []).append(channel)
            claimed = {
                (n.feed_id, n.channel, n.kind, n.episode)
                for n in s.scalars(select(FeedNotice).where(FeedNotice.feed_id.in_(ids)))
            }
        due = []
        for health, feed in rows:
            wanted: list[tuple[str, str, datetime | None]] = []
            if health.paused_at is not None and health.gone_since is not None:
                wanted.append(("paused", episode_of(health.gone_since), health.gone_since))
            if health.failing_since is not None and now - health.failing_since >= failing_after:
                wanted.append(("failing", episode_of(health.failing_since), health.failing_since))
            for channel in channels.get(feed.id, []):
                for kind, episode, since in wanted:
                    if (feed.id, channel, kind, episode) not in claimed:
                        due.append(
                            NoticeDue(
                                feed.id,
                                feed.url,
                                feed.title,
                                channel,
                                kind,
                                episode,
                                feed.last_error,
                                since,
                                health.cause,
                            )
                        )
                ended = health.recovered_from
                if (
                    ended
                    and (feed.id, channel, "failing", ended) in claimed
                    and (feed.id, channel, "recovered", ended) not in claimed
                ):
                    due.append(
                        NoticeDue(feed.id, feed.url, feed.title, channel, "recovered", ended, None, health.recovered_at)
                    )
        return due

    def claim_notice(self, notice: NoticeDue, now: datetime) -> int | None:
        """Claim a notice before posting it; None if it was claimed already (by anyone)."""
        try:
            with self._sessions.begin() as s:
                row = FeedNotice(
                    feed_id=notice.feed_id,
                    channel=notice.channel,
                    kind=notice.kind,
                    episode=notice.episode,
                    claimed_at=now,
                )
                s.add(row)
                s.flush()
                return row.id
        except IntegrityError:
            return None

    def notice_posted(self, notice_id: int, now: datetime) -> None:
        with self._sessions.begin() as s:
            row = s.get(FeedNotice, notice_id)
            if row is not None:
                row.posted_at = now

    def feed_notices(self, channel: str | None = None) -> list[FeedNotice]:
        with self._sessions() as s:
            q = select(FeedNotice).order_by(FeedNotice.id)
            if channel is not None:
                q = q.where(FeedNotice.channel == channel)
            return list(s.scalars(q))

    def feed_states(self, feed_ids: list[int]) -> dict[int, FeedState]:
        """The state of each feed (``ok`` when it has no failure streak)."""
        with self._sessions() as s:
            rows = {h.feed_id: h for h in s.scalars(select(FeedHealthRow).where(FeedHealthRow.feed_id.in_(feed_ids)))}
        out = {}
        for fid in feed_ids:
            h = rows.get(fid)
            if h is None or (h.failing_since is None and h.paused_at is None):
                out[fid] = FeedState("ok", None)
            elif h.paused_at is not None:
                out[fid] = FeedState("paused", h.paused_at)
            elif h.gone_since is not None:
                out[fid] = FeedState("gone", h.gone_since)
            else:
                out[fid] = FeedState("failing", h.failing_since)
        return out
