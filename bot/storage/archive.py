"""The quote archive: every quote in the stories a channel received, searchable.

One row per quote and channel (the same words carried by three outlets are one row, the
outlets listed), searched with the database's own full-text search: an FTS5 table kept
in step by triggers on SQLite, a generated ``tsvector`` column with a GIN index on
PostgreSQL. Every query is filtered by channel first: one channel never sees another's
archive. Rows are pruned with the rest of the database (``RETENTION``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Index, Integer, column, String, Text, UniqueConstraint, delete, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from bot.storage.models import Base, UTCDateTime

SPEAKER_CHARS, STORY_CHARS, URL_CHARS, OUTLETS_CHARS = 255, 1024, 2048, 1024
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


class ArchivedQuote(Base):
    """One quote a channel received: who, what kind, the words, in which story, where, when."""

    __tablename__ = "quote_archive"
    __table_args__ = (UniqueConstraint("channel", "key"), Index("ix_quote_archive_channel_said", "channel", "said_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(255))
    key: Mapped[str] = mapped_column(String(64))  # speaker + words, so a digest re-run adds nothing
    speaker: Mapped[str | None] = mapped_column(String(SPEAKER_CHARS))
    speaker_kind: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    story: Mapped[str | None] = mapped_column(String(STORY_CHARS))
    url: Mapped[str | None] = mapped_column(String(URL_CHARS))
    outlets: Mapped[str | None] = mapped_column(String(OUTLETS_CHARS))
    said_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class QuoteRecord:
    """A quote to archive (or one found), as plain values."""

    speaker: str | None
    speaker_kind: str
    kind: str
    text: str
    story: str | None
    url: str | None
    outlets: tuple[str, ...]
    said_at: datetime


def _key(speaker: str | None, words: str) -> str:
    folded = " ".join(_TOKEN.findall(words.lower()))
    return hashlib.sha256(f"{(speaker or '').lower()}\0{folded}".encode()).hexdigest()


def ensure_search(s: Session) -> None:
    """The full-text index of the archive, created if missing (idempotent; runs at every start)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(
            text(
                "ALTER TABLE quote_archive ADD COLUMN IF NOT EXISTS search tsvector GENERATED ALWAYS AS "
                "(to_tsvector('english', coalesce(speaker, '') || ' ' || text)) STORED"
            )
        )
        s.execute(text("CREATE INDEX IF NOT EXISTS ix_quote_archive_search ON quote_archive USING GIN (search)"))
        return
    s.execute(
        text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS quote_archive_fts USING fts5("
            "speaker, text, content='quote_archive', content_rowid='id', tokenize='unicode61')"
        )
    )
    s.execute(
        text(
            "CREATE TRIGGER IF NOT EXISTS quote_archive_ai AFTER INSERT ON quote_archive BEGIN "
            "INSERT INTO quote_archive_fts(rowid, speaker, text) VALUES (new.id, new.speaker, new.text); END"
        )
    )
    s.execute(
        text(
            "CREATE TRIGGER IF NOT EXISTS quote_archive_ad AFTER DELETE ON quote_archive BEGIN "
            "INSERT INTO quote_archive_fts(quote_archive_fts, rowid, speaker, text) "
            "VALUES ('delete', old.id, old.speaker, old.text); END"
        )
    )


def _fts5_query(words: str) -> str | None:
    """User words as an FTS5 query: every word must occur (prefix match on the last), with
    no operator syntax the user could inject."""
    tokens = _TOKEN.findall(words)
    if not tokens:
        return None
    quoted = [f'"{t}"' for t in tokens]
    quoted[-1] += "*"
    return " ".join(quoted)


class QuoteArchiveStore:
    """Store methods for the archive (mixed into ``bot.storage.db.Store``)."""

    _sessions: "sessionmaker[Session]"  # set by Store

    def archive_quotes(self, channel: str, records: list[QuoteRecord]) -> int:
        """Keep the quotes; returns how many were new (the same speaker and words once)."""
        added = 0
        with self._sessions.begin() as s:
            for r in records:
                key = _key(r.speaker, r.text)
                exists = s.scalar(
                    select(ArchivedQuote.id).where(ArchivedQuote.channel == channel, ArchivedQuote.key == key)
                )
                if exists is not None:
                    continue
                s.add(
                    ArchivedQuote(
                        channel=channel,
                        key=key,
                        speaker=(r.speaker or None) and r.speaker[:SPEAKER_CHARS],
                        speaker_kind=r.speaker_kind[:32],
                        kind=r.kind[:16],
                        text=r.text,
                        story=r.story[:STORY_CHARS] if r.story else None,
                        url=r.url if r.url and len(r.url) <= URL_CHARS else None,
                        outlets=", ".join(r.outlets)[:OUTLETS_CHARS] or None,
                        said_at=r.said_at,
                    )
                )
                s.flush()
                added += 1
        return added

    def quotes_by_speaker(
        self, channel: str, speaker: str, since: datetime | None = None, limit: int = 15
    ) -> list[QuoteRecord]:
        """What someone said in this channel's stories, newest first ("Biden" finds "Joe Biden")."""
        like = "%" + speaker.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = (
            select(ArchivedQuote)
            .where(ArchivedQuote.channel == channel, func.lower(ArchivedQuote.speaker).like(like, escape="\\"))
            .order_by(ArchivedQuote.said_at.desc(), ArchivedQuote.id.desc())
            .limit(limit)
        )
        if since is not None:
            q = q.where(ArchivedQuote.said_at >= since)
        with self._sessions() as s:
            return [_record(row) for row in s.scalars(q)]

    def quotes_matching(
        self, channel: str, words: str, since: datetime | None = None, limit: int = 15
    ) -> list[QuoteRecord]:
        """Quotes of this channel's archive containing all the words (full-text), newest first."""
        with self._sessions() as s:
            if s.get_bind().dialect.name == "postgresql":
                cond = text("quote_archive.search @@ plainto_tsquery('english', :words)").bindparams(words=words)
                ids = select(ArchivedQuote.id).where(ArchivedQuote.channel == channel, cond)
            else:
                query = _fts5_query(words)
                if query is None:
                    return []
                matching = (
                    text("SELECT rowid FROM quote_archive_fts WHERE quote_archive_fts MATCH :q")
                    .bindparams(q=query)
                    .columns(column("rowid", Integer))
                )
                ids = select(ArchivedQuote.id).where(ArchivedQuote.channel == channel, ArchivedQuote.id.in_(matching))
            q = (
                select(ArchivedQuote)
                .where(ArchivedQuote.id.in_(ids))
                .order_by(ArchivedQuote.said_at.desc(), ArchivedQuote.id.desc())
                .limit(limit)
            )
            if since is not None:
                q = q.where(ArchivedQuote.said_at >= since)
            return [_record(row) for row in s.scalars(q)]

    def archived_speakers(self, channel: str, prefix: str = "", limit: int = 25) -> list[str]:
        """Speakers of this channel's archive for autocomplete: names starting with the
        prefix first, then names containing it, the most quoted first."""
        p = prefix.strip().lower()
        with self._sessions() as s:
            rows = s.execute(
                select(ArchivedQuote.speaker, func.count())
                .where(ArchivedQuote.channel == channel, ArchivedQuote.speaker.is_not(None))
                .group_by(ArchivedQuote.speaker)
            ).all()
        ranked = sorted(rows, key=lambda r: (-r[1], r[0]))
        names: list[str] = [r[0] for r in ranked if r[0] is not None]
        starts = [n for n in names if n.lower().startswith(p) or any(w.startswith(p) for w in n.lower().split())]
        inside = [n for n in names if p and p in n.lower() and n not in starts]
        return (starts + inside)[:limit]

    def prune_archive(self, s: Session, cutoff: datetime) -> int:
        """Quotes said before ``cutoff``, deleted within the caller's transaction."""
        result = s.execute(
            delete(ArchivedQuote).where(ArchivedQuote.said_at < cutoff).execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)  # a DML result (CursorResult) has one


def _record(row: ArchivedQuote) -> QuoteRecord:
    return QuoteRecord(
        speaker=row.speaker,
        speaker_kind=row.speaker_kind,
        kind=row.kind,
        text=row.text,
        story=row.story,
        url=row.url,
        outlets=tuple(o for o in (row.outlets or "").split(", ") if o),
        said_at=row.said_at,
    )
