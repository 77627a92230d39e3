"""Opening the database and the repository functions the bot calls.

A synchronous SQLAlchemy engine, called from the event loop through
``asyncio.to_thread`` (``Store.run``): every function is one short transaction, so a
thread per call is simpler and just as correct as the async engine. SQLite is the
default (a file under ``data/``); PostgreSQL is used when ``DATABASE_URL`` says so.
Every function returns detached ORM rows (``expire_on_commit=False``) or plain values.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Engine, Result, create_engine, delete, event, func, inspect, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import sqlite_path
from bot.storage.archive import QuoteArchiveStore, ensure_search
from bot.storage.health import FeedHealthStore
from bot.storage.locks import migration_lock
from bot.storage.models import (
    UNFINISHED,
    ArticleRef,
    Base,
    CachedBrief,
    Digest,
    DigestStatus,
    Feed,
    StoredEntry,
    Schedule,
    SchemaVersion,
    Subscription,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Bump with a new entry in ``MIGRATIONS`` whenever a table changes.
SCHEMA_VERSION = 7
#: How long stories that left their feed, and briefs nobody refers to, are kept.
RETENTION = timedelta(days=30)


def _add_column(s: Session, table: str, column: str, ddl: str) -> None:
    """``ALTER TABLE ... ADD COLUMN`` unless the column is there already (a re-run is harmless)."""
    if column not in {c["name"] for c in inspect(s.connection()).get_columns(table)}:
        s.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}"))


def _v2_seen_times(s: Session) -> None:
    """v2: when each entry was last listed and each feed last read in full (for pruning)."""
    _add_column(s, "feed_entries", "last_seen_at", "TIMESTAMP")
    _add_column(s, "feeds", "last_parsed_at", "TIMESTAMP")


def _v3_digest_progress(s: Session) -> None:
    """v3: a digest keeps its built messages and how many were sent, so a restart resumes it.

    A v2 ``posting`` row (a crash mid-post under the old at-most-once rule) may have reached
    the channel and cannot be resumed (its messages were never stored): it stays counted as
    delivered, as it was.
    """
    _add_column(s, "digests", "payload", "TEXT")
    for column in ("message_count", "sent_count", "attempts"):
        _add_column(s, "digests", column, "INTEGER NOT NULL DEFAULT 0")
    s.execute(
        text(
            "UPDATE digests SET status = 'posted', error = 'interrupted before v3; not resumable' "
            "WHERE status = 'posting'"
        )
    )


def _v4_brief_engine(s: Session) -> None:
    """v4: which engine made each cached brief (older rows have none, so they are recomputed)."""
    _add_column(s, "briefs", "engine", "VARCHAR(128)")


def _v5_schedule_versions(s: Session) -> None:
    """v5: a change counter on schedules, watched by the scheduling leader."""
    _add_column(s, "schedules", "version", "INTEGER NOT NULL DEFAULT 0")
    s.execute(text("CREATE INDEX IF NOT EXISTS ix_schedules_version ON schedules (version)"))


def _v6_digest_shape(s: Session) -> None:
    """v6: how many stories a channel's digest shows, and summary sentences per story.

    Columns already there (a table ``create_all`` made at this version) are left alone."""
    from sqlalchemy import inspect

    have = {c["name"] for c in inspect(s.connection()).get_columns("schedules")}
    for column in ("digest_stories", "digest_sentences"):
        if column not in have:
            s.execute(text(f"ALTER TABLE schedules ADD COLUMN {column} INTEGER"))


def _v7_digest_lease(s: Session) -> None:
    """v7: a lease on a digest's current attempt, so a live attempt is never resumed by another
    scheduler. Unfinished rows from before have none: they are resumable, as they were."""
    _add_column(s, "digests", "attempt_seen_at", "TIMESTAMP")


#: version -> function upgrading from version-1; explicit, run in order, in one transaction.
#: ``create_all`` only creates missing tables, so every column change needs an entry here.
MIGRATIONS: dict[int, Callable[[Session], None]] = {
    2: _v2_seen_times,
    3: _v3_digest_progress,
    4: _v4_brief_engine,
    5: _v5_schedule_versions,
    6: _v6_digest_shape,
    7: _v7_digest_lease,
}


#: Column lengths (``models``): PostgreSQL refuses longer values, where SQLite keeps them.
URL_CHARS, TITLE_CHARS, FEED_TITLE_CHARS, ETAG_CHARS, LAST_MODIFIED_CHARS = 2048, 1024, 512, 512, 128


def stored_key(value: str, limit: int = URL_CHARS) -> str:
    """A lookup key (entry guid, article URL) that fits its column: a longer one by its SHA-256."""
    if len(value) <= limit:
        return value
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _clip(text: str | None, limit: int) -> str | None:
    """A title cut to its column (shown to people: a cut title beats none)."""
    return text[:limit] if text else text


def _fit(value: str | None, limit: int) -> str | None:
    """A link or validator that is useless cut: kept whole, or dropped."""
    return value if value is None or len(value) <= limit else None


@dataclass(frozen=True)
class NewEntry:
    """An entry as read from a feed, before it is stored."""

    key: str
    url: str | None
    title: str | None


class StoreError(RuntimeError):
    """The database cannot be opened or migrated; ``str()`` is one sentence for the operator."""


def open_store(url: str, *, brief_engine: str = "") -> "Store":
    """Connect, create ``data/`` for SQLite files, and migrate the schema."""
    try:
        return _open_store(url, brief_engine)
    except (OSError, ValueError, SQLAlchemyError) as exc:  # ValueError: a port that is not a number
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StoreError(f"the database at DATABASE_URL cannot be used ({type(exc).__name__}: {first}).") from None


def _open_store(url: str, brief_engine: str) -> "Store":
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    store = Store(engine, brief_engine=brief_engine)
    store.migrate()
    return store


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    """WAL lets the console and a running bot share one file; busy timeout waits for locks."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


class Store(QuoteArchiveStore, FeedHealthStore):
    """Repository functions over one engine; each call is its own transaction.

    The quote archive's functions are in ``bot.storage.archive``."""

    def __init__(self, engine: Engine, *, brief_engine: str = "") -> None:
        """``brief_engine`` is the engine version (``briefings.version``) whose briefs this
        store serves and records; briefs cached by another engine count as missing."""
        self.engine = engine
        self.brief_engine = brief_engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a repository function off the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    def close(self) -> None:
        self.engine.dispose()

    # --- schema ---------------------------------------------------------------------------

    def migrate(self) -> int:
        """Create missing tables, then run explicit migrations up to ``SCHEMA_VERSION``.

        Replicas starting at once on an empty PostgreSQL database would race to create
        the same tables, so the whole step runs under an advisory lock.
        """
        with migration_lock(self.engine):
            return self._migrate()

    def _migrate(self) -> int:
        Base.metadata.create_all(self.engine)
        with self._sessions.begin() as s:
            ensure_search(s)
            row = s.get(SchemaVersion, 1)
            if row is None:
                s.add(SchemaVersion(id=1, version=SCHEMA_VERSION))
                return SCHEMA_VERSION
            for version in range(row.version + 1, SCHEMA_VERSION + 1):
                log.info("migrating database schema to version %d", version)
                MIGRATIONS[version](s)
                row.version = version
            return row.version

    def schema_version(self) -> int:
        with self._sessions() as s:
            row = s.get(SchemaVersion, 1)
            return row.version if row is not None else 0

    # --- feeds and subscriptions ----------------------------------------------------------

    def feed_by_url(self, url: str) -> Feed | None:
        with self._sessions() as s:
            return s.scalar(select(Feed).where(Feed.url == url))

    def subscribe(
        self,
        channel: str,
        url: str,
        *,
        title: str | None,
        entries: Iterable[NewEntry],
        etag: str | None,
        last_modified: str | None,
        now: datetime,
        next_poll_at: datetime,
    ) -> tuple[Feed, bool]:
        """Follow ``url`` in ``channel``; entries present now are recorded as already seen.

        Returns the feed and whether the channel was newly subscribed. The subscription
        starts at ``now`` and digests only take entries first seen strictly after it, so
        neither a new feed's backlog nor an existing feed's history floods the channel.
        """
        entries = list(entries)  # read twice if the first attempt loses the race

        def attempt() -> tuple[Feed, bool]:
            return self._subscribe(
                channel,
                url,
                title=title,
                entries=entries,
                etag=etag,
                last_modified=last_modified,
                now=now,
                next_poll_at=next_poll_at,
            )

        try:
            return attempt()
        except IntegrityError:
            # Another channel created this feed (or this channel's subscription, on a double
            # submit) between our look-up and our insert: look again, now it is committed.
            return attempt()

    def _subscribe(
        self,
        channel: str,
        url: str,
        *,
        title: str | None,
        entries: Iterable[NewEntry],
        etag: str | None,
        last_modified: str | None,
        now: datetime,
        next_poll_at: datetime,
    ) -> tuple[Feed, bool]:
        with self._sessions.begin() as s:
            found = s.scalar(select(Feed).where(Feed.url == url))
            new_feed = found is None
            if found is None:
                feed = Feed(
                    url=url,
                    title=_clip(title, FEED_TITLE_CHARS),
                    etag=_fit(etag, ETAG_CHARS),
                    last_modified=_fit(last_modified, LAST_MODIFIED_CHARS),
                    last_fetch_at=now,
                    last_parsed_at=now,
                    failures=0,
                    next_poll_at=next_poll_at,
                    created_at=now,
                )
                s.add(feed)
                s.flush()
            else:
                feed = found
            if not new_feed and title and not feed.title:
                feed.title = _clip(title, FEED_TITLE_CHARS)
            _insert_entries(s, feed.id, entries, now, backlog=new_feed)
            existing = s.scalar(
                select(Subscription).where(Subscription.channel == channel, Subscription.feed_id == feed.id)
            )
            if existing is not None:
                return feed, False
            s.add(Subscription(channel=channel, feed_id=feed.id, created_at=now))
            return feed, True

    def unsubscribe(self, channel: str, url: str) -> bool:
        """Stop following; a feed nobody follows any more is forgotten with its entries."""
        with self._sessions.begin() as s:
            feed = s.scalar(select(Feed).where(Feed.url == url))
            if feed is None:
                return False
            gone = _count(
                s.execute(delete(Subscription).where(Subscription.channel == channel, Subscription.feed_id == feed.id))
            )
            left = s.scalar(select(func.count()).select_from(Subscription).where(Subscription.feed_id == feed.id))
            if not left:
                s.execute(delete(StoredEntry).where(StoredEntry.feed_id == feed.id))
                s.execute(delete(Feed).where(Feed.id == feed.id))
            return bool(gone)

    def channel_feeds(self, channel: str) -> list[Feed]:
        with self._sessions() as s:
            q = (
                select(Feed)
                .join(Subscription, Subscription.feed_id == Feed.id)
                .where(Subscription.channel == channel)
                .order_by(Subscription.created_at, Feed.id)
            )
            return list(s.scalars(q))

    def due_feeds(self, now: datetime) -> list[Feed]:
        """Feeds to poll now: never polled, or their backoff/interval has run out."""
        with self._sessions() as s:
            q = (
                select(Feed)
                .where(
                    (Feed.next_poll_at.is_(None)) | (Feed.next_poll_at <= now), Feed.id.not_in(self.paused_feed_ids())
                )
                .order_by(Feed.id)
            )
            return list(s.scalars(q))

    def record_poll(
        self,
        feed_id: int,
        *,
        now: datetime,
        next_poll_at: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
        entries: Iterable[NewEntry] = (),
        not_modified: bool = False,
    ) -> list[StoredEntry]:
        """A successful poll: store validators, reset failures, return the entries new to us."""
        with self._sessions.begin() as s:
            feed = s.get(Feed, feed_id)
            if feed is None:  # unsubscribed while polling
                return []
            feed.last_fetch_at, feed.next_poll_at = now, next_poll_at
            feed.failures, feed.last_error = 0, None
            if not_modified:
                return []
            feed.etag, feed.last_modified = _fit(etag, ETAG_CHARS), _fit(last_modified, LAST_MODIFIED_CHARS)
            feed.last_parsed_at = now
            return _insert_entries(s, feed_id, entries, now, backlog=False)

    def record_poll_failure(self, feed_id: int, *, error: str, now: datetime, next_poll_at: datetime) -> int:
        """A failed poll: count it (backoff grows with ``failures``); returns the count."""
        with self._sessions.begin() as s:
            feed = s.get(Feed, feed_id)
            if feed is None:
                return 0
            feed.failures = (feed.failures or 0) + 1
            feed.last_error, feed.last_fetch_at, feed.next_poll_at = error, now, next_poll_at
            return feed.failures

    def set_entry_content(self, entry_id: int, content_key: str) -> None:
        with self._sessions.begin() as s:
            s.execute(update(StoredEntry).where(StoredEntry.id == entry_id).values(content_key=content_key))

    def channel_entries(self, channel: str, since: datetime | None, until: datetime) -> list[StoredEntry]:
        """Entries of the channel's feeds first seen in ``(since, until]`` and after it subscribed."""
        with self._sessions() as s:
            q = (
                select(StoredEntry)
                .join(Subscription, Subscription.feed_id == StoredEntry.feed_id)
                .where(
                    Subscription.channel == channel,
                    StoredEntry.backlog.is_(False),
                    StoredEntry.first_seen_at > Subscription.created_at,
                    StoredEntry.first_seen_at <= until,
                )
                .order_by(StoredEntry.first_seen_at, StoredEntry.id)
            )
            if since is not None:
                q = q.where(StoredEntry.first_seen_at > since)
            return list(s.scalars(q))

    def prune(self, now: datetime, keep: timedelta = RETENTION) -> dict[str, int]:
        """Forget what can no longer matter: stories gone from their feed for ``keep``, URL
        mappings older than that, and old briefs nothing refers to. Digests are history: kept."""
        cutoff = now - keep
        seen = func.coalesce(StoredEntry.last_seen_at, StoredEntry.first_seen_at)
        with self._sessions.begin() as s:
            gone = (
                select(StoredEntry.id)
                .join(Feed, Feed.id == StoredEntry.feed_id)
                .where(seen < cutoff, seen < Feed.last_parsed_at)
            )
            entries = _count(
                s.execute(
                    delete(StoredEntry).where(StoredEntry.id.in_(gone)).execution_options(synchronize_session=False)
                )
            )
            articles = _count(s.execute(delete(ArticleRef).where(ArticleRef.fetched_at < cutoff)))
            used = (
                select(StoredEntry.content_key)
                .where(StoredEntry.content_key.is_not(None))
                .union(select(ArticleRef.content_key))
            )
            briefs = _count(
                s.execute(
                    delete(CachedBrief)
                    .where(CachedBrief.created_at < cutoff, CachedBrief.content_key.not_in(used))
                    .execution_options(synchronize_session=False)
                )
            )
            quotes = self.prune_archive(s, cutoff)
        return {"entries": entries, "articles": articles, "briefs": briefs, "quotes": quotes}

    # --- schedules ------------------------------------------------------------------------

    def set_schedule(
        self,
        channel: str,
        *,
        hour: int,
        minute: int,
        tz: str,
        days: str,
        now: datetime,
        stories: int | None = None,
        sentences: int | None = None,
    ) -> Schedule:
        """Set the digest's time; ``stories``/``sentences`` given replace the channel's (None keeps them)."""
        with self._sessions.begin() as s:
            row = s.get(Schedule, channel)
            if row is None:
                row = Schedule(channel=channel)
                s.add(row)
            row.hour, row.minute, row.tz, row.days = hour, minute, tz, days
            if stories is not None:
                row.digest_stories = stories
            if sentences is not None:
                row.digest_sentences = sentences
            row.enabled, row.updated_at = True, now
            row.version = _next_schedule_version(s)
            return row

    def disable_schedule(self, channel: str, now: datetime) -> bool:
        """Turn the digest off; returns whether one was on."""
        with self._sessions.begin() as s:
            row = s.get(Schedule, channel)
            if row is None or not row.enabled:
                return False
            row.enabled, row.updated_at = False, now
            row.version = _next_schedule_version(s)
            return True

    def schedule(self, channel: str) -> Schedule | None:
        with self._sessions() as s:
            return s.get(Schedule, channel)

    def schedules_changed_since(self, version: int) -> list[Schedule]:
        """Schedules changed at ``version`` or later (inclusive: two replicas changing
        schedules at once may both write the same number), oldest change first."""
        with self._sessions() as s:
            return list(
                s.scalars(
                    select(Schedule).where(Schedule.version >= version).order_by(Schedule.version, Schedule.channel)
                )
            )

    def enabled_schedules(self) -> list[Schedule]:
        with self._sessions() as s:
            return list(s.scalars(select(Schedule).where(Schedule.enabled.is_(True)).order_by(Schedule.channel)))

    # --- briefs cache -----------------------------------------------------------------------

    def cached_briefs(self, content_keys: Sequence[str], sentences: int, engine: str | None = None) -> dict[str, str]:
        """Cached brief JSON by content key, for the keys that have one at this length made by
        ``engine``; a brief made by another engine version counts as missing."""
        if not content_keys:
            return {}
        engine = self.brief_engine if engine is None else engine
        with self._sessions() as s:
            rows = s.scalars(
                select(CachedBrief).where(
                    CachedBrief.content_key.in_(list(content_keys)),
                    CachedBrief.sentences == sentences,
                    CachedBrief.engine == engine,
                )
            )
            return {r.content_key: r.brief_json for r in rows}

    def any_cached_brief(self, content_key: str) -> str | None:
        """Some brief of this content, whatever its length (quotes do not depend on it)."""
        with self._sessions() as s:
            return s.scalar(
                select(CachedBrief.brief_json)
                .where(CachedBrief.content_key == content_key)
                .order_by(CachedBrief.created_at.desc())
                .limit(1)
            )

    def store_brief(
        self, content_key: str, sentences: int, brief_json: str, now: datetime, engine: str | None = None
    ) -> None:
        """Cache a brief, replacing one another engine made; a concurrent writer wins harmlessly."""
        engine = self.brief_engine if engine is None else engine
        try:
            with self._sessions.begin() as s:
                row = s.get(CachedBrief, (content_key, sentences))
                if row is None:
                    s.add(
                        CachedBrief(
                            content_key=content_key,
                            sentences=sentences,
                            brief_json=brief_json,
                            created_at=now,
                            engine=engine,
                        )
                    )
                elif row.engine != engine:
                    row.brief_json, row.created_at, row.engine = brief_json, now, engine
        except IntegrityError:
            pass

    def remember_article(self, url: str, content_key: str, title: str | None, now: datetime) -> None:
        """Upsert: the feed poller and a digest's late brief may record the same URL at once."""
        insert = postgresql_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(ArticleRef).values(
            url=stored_key(url), content_key=content_key, title=_clip(title, TITLE_CHARS), fetched_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[ArticleRef.url],
            set_={
                "content_key": stmt.excluded.content_key,
                "title": stmt.excluded.title,
                "fetched_at": stmt.excluded.fetched_at,
            },
        )
        with self._sessions.begin() as s:
            s.execute(stmt)

    def content_key_for(self, url: str) -> str | None:
        with self._sessions() as s:
            row = s.get(ArticleRef, stored_key(url))
            return row.content_key if row else None

    # --- digests ----------------------------------------------------------------------------
    # The life of a digest (``bot.scheduling``): claimed -> sending -> posted, or failed /
    # skipped. Each step is one transaction, so a crash leaves the row in a state that says
    # exactly what is left to do.

    def claim_digest(
        self,
        channel: str,
        local_date: str,
        *,
        scheduled_for: datetime,
        now: datetime,
        status: DigestStatus = DigestStatus.CLAIMED,
    ) -> Digest | None:
        """Claim the day's digest for ``channel``; ``None`` if it was already claimed.

        The UNIQUE (channel, local_date) insert is the lock: two schedulers, a restart
        racing a late fire, or a catch-up and a live fire cannot both win. A claimed
        digest covers the stories first seen up to ``now``, after the previous digest
        that was (or is being) delivered. The claimer holds its first attempt from the
        claim on (``attempts`` 1, leased at ``now``), so nobody can "resume" it meanwhile.
        """
        try:
            with self._sessions.begin() as s:
                window_start = self._window_start_in(s, channel, (*UNFINISHED, DigestStatus.POSTED))
                row = Digest(
                    channel=channel,
                    local_date=local_date,
                    scheduled_for=scheduled_for,
                    status=status,
                    claimed_at=now,
                    window_start=window_start,
                    window_end=now if status == DigestStatus.CLAIMED else None,
                    article_count=0,
                    message_count=0,
                    sent_count=0,
                    attempts=1 if status == DigestStatus.CLAIMED else 0,
                    attempt_seen_at=now if status == DigestStatus.CLAIMED else None,
                )
                s.add(row)
            return row
        except IntegrityError:
            return None

    def begin_digest_attempt(
        self, digest_id: int, attempts_seen: int, *, now: datetime, lease: timedelta
    ) -> Digest | None:
        """Take the next attempt at an unfinished digest; ``None`` if its current attempt is
        still held (its lease renewed within ``lease`` of ``now``), someone else took it, or
        it ended.

        One compare-and-set: the attempt number seen (two schedulers resuming the same row
        at once cannot both win) and a lease that was given back or has run out (its owner
        crashed, or stopped renewing it), so a live attempt is never taken over.
        """
        with self._sessions.begin() as s:
            won = _count(
                s.execute(
                    update(Digest)
                    .where(
                        Digest.id == digest_id,
                        Digest.attempts == attempts_seen,
                        Digest.status.in_(UNFINISHED),
                        Digest.attempt_seen_at.is_(None) | (Digest.attempt_seen_at < now - lease),
                    )
                    .values(attempts=attempts_seen + 1, attempt_seen_at=now)
                )
            )
            return s.get(Digest, digest_id) if won else None

    def renew_digest_lease(self, digest_id: int, attempt: int, now: datetime) -> bool:
        """The heartbeat of attempt ``attempt``: whether it still holds the digest.

        ``False`` once another scheduler took a later attempt, the lease was given back
        (a heartbeat never revives it) or the digest ended."""
        with self._sessions.begin() as s:
            return bool(
                _count(
                    s.execute(
                        update(Digest)
                        .where(
                            Digest.id == digest_id,
                            Digest.attempts == attempt,
                            Digest.status.in_(UNFINISHED),
                            Digest.attempt_seen_at.is_not(None),
                        )
                        .values(attempt_seen_at=now)
                    )
                )
            )

    def release_digest_lease(self, digest_id: int, attempt: int) -> bool:
        """Attempt ``attempt`` gives the digest back (a clean shutdown): the next scheduler may
        resume it at once. A lease another attempt holds is left alone."""
        with self._sessions.begin() as s:
            return bool(
                _count(
                    s.execute(
                        update(Digest)
                        .where(Digest.id == digest_id, Digest.attempts == attempt)
                        .values(attempt_seen_at=None)
                    )
                )
            )

    def start_sending(
        self, digest_id: int, *, payload: str, message_count: int, article_count: int, attempt: int | None = None
    ) -> Digest | None:
        """The digest is built: store its messages and mark it sending, just before the first goes out.

        With ``attempt``, only while that attempt still holds the digest (``None`` otherwise):
        an attempt that lost its lease must not replace the messages its successor sends."""
        with self._sessions.begin() as s:
            row = _digest_row(s, digest_id)
            if attempt is not None and (
                row.attempts != attempt or row.status not in UNFINISHED or row.attempt_seen_at is None
            ):
                return None
            row.status, row.payload = DigestStatus.SENDING, payload
            row.message_count, row.article_count, row.sent_count = message_count, article_count, 0
            return row

    def digest_message_sent(self, digest_id: int, index: int) -> None:
        """Message ``index`` was delivered: a resume starts after it."""
        with self._sessions.begin() as s:
            s.execute(
                update(Digest).where(Digest.id == digest_id, Digest.sent_count <= index).values(sent_count=index + 1)
            )

    def digest_attempt_failed(self, digest_id: int, error: str, attempt: int | None = None) -> None:
        """An attempt failed; the digest stays unfinished (retried while within the grace).

        With ``attempt``, that attempt's lease is given back too, so the retry need not wait for it."""
        with self._sessions.begin() as s:
            s.execute(update(Digest).where(Digest.id == digest_id).values(error=error[:500]))
            if attempt is not None:
                s.execute(
                    update(Digest)
                    .where(Digest.id == digest_id, Digest.attempts == attempt)
                    .values(attempt_seen_at=None)
                )

    def finish_digest(self, digest_id: int, *, status: DigestStatus, now: datetime, error: str | None = None) -> None:
        """Posted, or finally failed (its stories then go to the next digest)."""
        with self._sessions.begin() as s:
            row = _digest_row(s, digest_id)
            row.status = status
            if error is not None:
                row.error = error[:500]
            if status == DigestStatus.POSTED:
                row.posted_at = now

    def abandon_unfinished(
        self, channel: str, *, scheduled_before: datetime, now: datetime, lease: timedelta
    ) -> list[Digest]:
        """Give up unfinished digests of ``channel`` due before ``scheduled_before`` (out of grace).

        They become ``failed``, so their stories count as undelivered and go to the next digest.
        A digest whose attempt still holds its lease (renewed within ``lease`` of ``now``) is
        being sent by a live scheduler and is left to it: giving it up would send its stories
        a second time in the next digest.
        """
        with self._sessions.begin() as s:
            rows = list(
                s.scalars(
                    select(Digest).where(
                        Digest.channel == channel,
                        Digest.status.in_(UNFINISHED),
                        Digest.scheduled_for < scheduled_before,
                        Digest.attempt_seen_at.is_(None) | (Digest.attempt_seen_at < now - lease),
                    )
                )
            )
            for row in rows:
                row.status = DigestStatus.FAILED
                row.error = (
                    f"not finished within the grace period ({row.sent_count} of "
                    f"{row.message_count} messages sent by {now:%Y-%m-%d %H:%M} UTC)"
                )
            return rows

    def unfinished_digests(self, channel: str) -> list[Digest]:
        """The channel's claimed or sending digests, oldest first."""
        with self._sessions() as s:
            return list(
                s.scalars(
                    select(Digest)
                    .where(Digest.channel == channel, Digest.status.in_(UNFINISHED))
                    .order_by(Digest.scheduled_for, Digest.id)
                )
            )

    def digest(self, channel: str, local_date: str) -> Digest | None:
        with self._sessions() as s:
            return s.scalar(select(Digest).where(Digest.channel == channel, Digest.local_date == local_date))

    def digests(self, channel: str | None = None) -> list[Digest]:
        with self._sessions() as s:
            q = select(Digest).order_by(Digest.scheduled_for, Digest.id)
            if channel is not None:
                q = q.where(Digest.channel == channel)
            return list(s.scalars(q))

    def window_start(self, channel: str) -> datetime | None:
        """Where the channel's undelivered stories start: the end of its last posted digest.

        ``/digest`` previews from here, so stories of a digest that is still being sent, or
        that failed, are never called "nothing new".
        """
        with self._sessions() as s:
            return self._window_start_in(s, channel, (DigestStatus.POSTED,))

    @staticmethod
    def _window_start_in(s: Session, channel: str, statuses: Sequence[str]) -> datetime | None:
        return s.scalar(
            select(func.max(Digest.window_end)).where(Digest.channel == channel, Digest.status.in_(tuple(statuses)))
        )


def _digest_row(s: Session, digest_id: int) -> Digest:
    row = s.get(Digest, digest_id)
    if row is None:
        raise LookupError(f"digest {digest_id} does not exist")
    return row


def _count(result: Result[Any]) -> int:
    """Rows a DELETE or UPDATE touched."""
    return cast(CursorResult[Any], result).rowcount


def _next_schedule_version(s: Session) -> int:
    return (s.scalar(select(func.max(Schedule.version))) or 0) + 1


def _insert_entries(
    s: Session, feed_id: int, entries: Iterable[NewEntry], now: datetime, *, backlog: bool
) -> list[StoredEntry]:
    """Insert entries not yet seen for this feed (the UNIQUE key makes repeats no-ops)."""
    entries = [NewEntry(stored_key(e.key), _fit(e.url, URL_CHARS), _clip(e.title, TITLE_CHARS)) for e in entries]
    if not entries:
        return []
    known = set(s.scalars(select(StoredEntry.entry_key).where(StoredEntry.feed_id == feed_id)))
    listed = [e.key for e in entries if e.key in known]
    for i in range(0, len(listed), 500):
        s.execute(
            update(StoredEntry)
            .where(StoredEntry.feed_id == feed_id, StoredEntry.entry_key.in_(listed[i : i + 500]))
            .values(last_seen_at=now)
        )
    added: list[StoredEntry] = []
    for e in entries:
        if e.key in known:
            continue
        known.add(e.key)
        row = StoredEntry(
            feed_id=feed_id,
            entry_key=e.key,
            url=e.url,
            title=e.title,
            first_seen_at=now,
            last_seen_at=now,
            backlog=backlog,
        )
        s.add(row)
        added.append(row)
    s.flush()
    return added
