"""Storage on a real SQLite file: schema, subscriptions, entry windows, digest claims."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.storage import open_store
from bot.storage.codec import brief_from_json, brief_to_json
from sqlalchemy import inspect, text

from bot.storage.db import SCHEMA_VERSION, NewEntry
from briefings.model import Article, Brief, OffsetMap, Quote

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    """Every repository test runs on a SQLite file and, when one is available
    (BRIEFBOT_TEST_POSTGRES_URL, see scripts/postgres.sh), on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path}/data/bot.db")
        yield s
        s.close()
        return
    from ops_postgres import fresh_database

    for url in fresh_database():
        s = open_store(url)
        yield s
        s.close()


def entries(*keys):
    return [NewEntry(k, f"http://x/{k}", k.upper()) for k in keys]


def test_open_creates_directory_and_is_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path}/nested/dir/bot.db"
    s = open_store(url)
    assert (tmp_path / "nested/dir/bot.db").exists()
    s.close()
    s2 = open_store(url)
    assert s2.schema_version() == SCHEMA_VERSION and s2.migrate() == SCHEMA_VERSION
    s2.close()


def test_backlog_is_not_a_new_entry_but_later_entries_are(store):
    feed, new = store.subscribe(
        "discord:1",
        "http://f/rss",
        title="F",
        entries=entries("a", "b"),
        etag='"e1"',
        last_modified=None,
        now=T0,
        next_poll_at=T0,
    )
    assert new
    assert store.channel_entries("discord:1", None, T0 + timedelta(days=1)) == []
    added = store.record_poll(
        feed.id, now=T0 + timedelta(minutes=5), next_poll_at=T0, entries=entries("a", "b", "c"), etag='"e2"'
    )
    assert [e.entry_key for e in added] == ["c"]
    got = store.channel_entries("discord:1", None, T0 + timedelta(days=1))
    assert [e.entry_key for e in got] == ["c"]
    assert store.feed_by_url("http://f/rss").etag == '"e2"'


def test_second_channel_does_not_get_history_of_shared_feed(store):
    feed, _ = store.subscribe(
        "discord:1",
        "http://f/rss",
        title=None,
        entries=entries("a"),
        etag=None,
        last_modified=None,
        now=T0,
        next_poll_at=T0,
    )
    store.record_poll(feed.id, now=T0 + timedelta(hours=1), next_poll_at=T0, entries=entries("b"))
    _, new = store.subscribe(
        "slack:C1",
        "http://f/rss",
        title=None,
        entries=entries("a", "b"),
        etag=None,
        last_modified=None,
        now=T0 + timedelta(hours=2),
        next_poll_at=T0,
    )
    assert new
    store.record_poll(feed.id, now=T0 + timedelta(hours=3), next_poll_at=T0, entries=entries("c"))
    end = T0 + timedelta(days=1)
    assert [e.entry_key for e in store.channel_entries("discord:1", None, end)] == ["b", "c"]
    assert [e.entry_key for e in store.channel_entries("slack:C1", None, end)] == ["c"]


def test_unsubscribe_forgets_orphan_feed(store):
    store.subscribe(
        "discord:1",
        "http://f/rss",
        title=None,
        entries=entries("a"),
        etag=None,
        last_modified=None,
        now=T0,
        next_poll_at=T0,
    )
    assert store.unsubscribe("discord:1", "http://f/rss")
    assert not store.unsubscribe("discord:1", "http://f/rss")
    assert store.feed_by_url("http://f/rss") is None


def test_failures_count_and_reset(store):
    feed, _ = store.subscribe(
        "discord:1", "http://f/rss", title=None, entries=[], etag=None, last_modified=None, now=T0, next_poll_at=T0
    )
    assert store.record_poll_failure(feed.id, error="boom", now=T0, next_poll_at=T0) == 1
    assert store.record_poll_failure(feed.id, error="boom", now=T0, next_poll_at=T0) == 2
    assert store.feed_by_url("http://f/rss").last_error == "boom"
    store.record_poll(feed.id, now=T0, next_poll_at=T0, not_modified=True)
    f = store.feed_by_url("http://f/rss")
    assert (f.failures, f.last_error) == (0, None)


def test_digest_claim_is_unique_per_channel_and_local_date(store):
    a = store.claim_digest("discord:1", "2026-03-01", scheduled_for=T0, now=T0)
    assert a is not None
    assert store.claim_digest("discord:1", "2026-03-01", scheduled_for=T0, now=T0) is None
    assert store.claim_digest("slack:C1", "2026-03-01", scheduled_for=T0, now=T0) is not None
    assert store.window_start("discord:1") is None  # claimed is not delivered
    store.start_sending(a.id, payload="[{}]", message_count=1, article_count=2)
    store.digest_message_sent(a.id, 0)
    store.finish_digest(a.id, status="posted", now=T0)
    row = store.digest("discord:1", "2026-03-01")
    assert (row.status, row.sent_count, row.article_count) == ("posted", 1, 2)
    assert store.window_start("discord:1") == T0


def test_a_digest_attempt_is_taken_only_when_its_lease_is_given_back_or_stale(store):
    """The compare-and-set behind exactly-once resumes: attempt number and lease, atomically."""
    lease = timedelta(seconds=30)
    a = store.claim_digest("discord:1", "2026-03-01", scheduled_for=T0, now=T0)
    assert (a.attempts, a.attempt_seen_at) == (1, T0)  # the claimer holds attempt 1
    assert store.begin_digest_attempt(a.id, 1, now=T0 + timedelta(seconds=29), lease=lease) is None
    assert store.renew_digest_lease(a.id, 1, T0 + timedelta(seconds=20))  # the heartbeat
    assert store.begin_digest_attempt(a.id, 1, now=T0 + timedelta(seconds=49), lease=lease) is None
    b = store.begin_digest_attempt(a.id, 1, now=T0 + timedelta(seconds=51), lease=lease)  # stale: its owner died
    assert b is not None and (b.attempts, b.attempt_seen_at) == (2, T0 + timedelta(seconds=51))
    assert store.begin_digest_attempt(a.id, 1, now=T0 + timedelta(hours=1), lease=lease) is None  # attempt 1 is gone
    assert not store.renew_digest_lease(a.id, 1, T0 + timedelta(seconds=52))  # the old owner learns it lost
    assert store.start_sending(a.id, payload="[{}]", message_count=1, article_count=1, attempt=1) is None
    assert store.start_sending(a.id, payload="[{}]", message_count=1, article_count=1, attempt=2) is not None
    store.digest_attempt_failed(a.id, "boom", 2)  # a failed attempt gives its lease back
    row = store.digest("discord:1", "2026-03-01")
    assert (row.attempt_seen_at, row.error) == (None, "boom")
    assert not store.renew_digest_lease(a.id, 2, T0 + timedelta(seconds=53))  # and a late beat cannot revive it
    c = store.begin_digest_attempt(a.id, 2, now=T0 + timedelta(seconds=53), lease=lease)  # the retry, at once
    assert c is not None and c.attempts == 3
    assert not store.release_digest_lease(a.id, 2)  # not attempt 2's to give back any more
    assert store.release_digest_lease(a.id, 3)  # a clean shutdown
    assert store.begin_digest_attempt(a.id, 3, now=T0 + timedelta(seconds=54), lease=lease) is not None
    skipped = store.claim_digest("discord:1", "2026-03-02", scheduled_for=T0, now=T0, status="skipped")
    assert (skipped.attempts, skipped.attempt_seen_at) == (0, None)


def test_version_6_database_gains_the_digest_lease(store):
    """A v6 digest row, unfinished, has no lease: after the migration it can be resumed at once."""
    a = store.claim_digest("discord:1", "2026-03-01", scheduled_for=T0, now=T0)
    with store.engine.begin() as conn:  # turn it back into what v6 created
        conn.execute(text("ALTER TABLE digests DROP COLUMN attempt_seen_at"))
        conn.execute(text("UPDATE schema_version SET version = 6"))
    assert store.migrate() == SCHEMA_VERSION
    assert "attempt_seen_at" in {c["name"] for c in inspect(store.engine).get_columns("digests")}
    row = store.digest("discord:1", "2026-03-01")
    assert (row.status, row.attempts, row.attempt_seen_at) == ("claimed", 1, None)
    assert store.begin_digest_attempt(a.id, 1, now=T0, lease=timedelta(seconds=30)) is not None


def test_schedule_round_trip(store):
    store.set_schedule("discord:1", hour=8, minute=30, tz="Europe/Berlin", days="mon-fri", now=T0)
    s = store.schedule("discord:1")
    assert (s.hour, s.minute, s.tz, s.days, s.enabled) == (8, 30, "Europe/Berlin", "mon-fri", True)
    assert store.disable_schedule("discord:1", T0)
    assert store.enabled_schedules() == []


def test_brief_codec_round_trips():
    art = Article(
        text="Body.",
        original="Title\n\nBody.",
        offsets=OffsetMap((0,), (7,)),
        title="Title",
        url="http://x",
        published=T0,
    )
    brief = Brief(
        article=art,
        summary=("Body.",),
        summary_spans=((7, 12),),
        quotes=(Quote(speaker="Ann", text="hi", start=1, end=3, kind="direct", role="CEO"),),
    )
    assert brief_from_json(brief_to_json(brief)) == brief


def test_version_1_database_is_migrated_in_place(tmp_path):
    """A database made by schema v1 (no seen-times) gains the columns and keeps its rows."""
    url = f"sqlite:///{tmp_path}/old.db"
    s = open_store(url)
    s.subscribe(
        "discord:1",
        "http://f/rss",
        title=None,
        entries=entries("a"),
        etag=None,
        last_modified=None,
        now=T0,
        next_poll_at=T0,
    )
    with s.engine.begin() as conn:  # turn it back into what v1 created
        conn.execute(text("ALTER TABLE feed_entries DROP COLUMN last_seen_at"))
        conn.execute(text("ALTER TABLE feeds DROP COLUMN last_parsed_at"))
        conn.execute(text("UPDATE schema_version SET version = 1"))
    s.close()
    s = open_store(url)
    assert s.schema_version() == SCHEMA_VERSION
    cols = {c["name"] for c in inspect(s.engine).get_columns("feed_entries")}
    assert "last_seen_at" in cols
    assert [f.url for f in s.channel_feeds("discord:1")] == ["http://f/rss"]
    s.close()


def test_prune_forgets_only_what_left_the_feed_long_ago(store):
    feed, _ = store.subscribe(
        "discord:1",
        "http://f/rss",
        title=None,
        entries=entries("old", "kept"),
        etag=None,
        last_modified=None,
        now=T0,
        next_poll_at=T0,
    )
    later = T0 + timedelta(days=40)
    # Only "kept" is still listed; not-modified polls do not make "kept" look stale.
    store.record_poll(feed.id, now=later, next_poll_at=later, entries=entries("kept", "new"))
    store.record_poll(feed.id, now=later + timedelta(days=20), next_poll_at=later, not_modified=True)
    store.store_brief("k1", 3, "{}", T0)
    store.remember_article("http://x/a", "k2", None, T0)
    store.store_brief("k2", 3, "{}", T0)
    counts = store.prune(later + timedelta(days=20))
    assert counts == {"entries": 1, "articles": 1, "briefs": 2, "quotes": 0}
    remaining = store.channel_entries("discord:1", None, later + timedelta(days=30))
    assert [e.entry_key for e in remaining] == ["new"]
    store.record_poll(feed.id, now=later + timedelta(days=21), next_poll_at=later, entries=entries("kept"))
    assert [e.entry_key for e in store.channel_entries("discord:1", None, later + timedelta(days=30))] == ["new"]


def test_two_channels_adding_the_same_new_feed_at_once_both_follow_it(store):
    """Both find no feed row; the other one commits its row just before this insert."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from bot.storage.models import Feed, Subscription

    raced = []

    def other_channel_first(session, _context, _instances):
        if raced or not any(isinstance(o, Feed) for o in session.new):
            return
        raced.append(True)
        with store._sessions.begin() as other:
            feed = Feed(url="http://x/feed", title="X", failures=0, created_at=T0, next_poll_at=T0)
            other.add(feed)
            other.flush()
            other.add(Subscription(channel="slack:C1", feed_id=feed.id, created_at=T0))

    event.listen(Session, "before_flush", other_channel_first)
    try:
        feed, new = store.subscribe(
            "discord:1",
            "http://x/feed",
            title="X",
            entries=entries("a"),
            etag=None,
            last_modified=None,
            now=T0,
            next_poll_at=T0,
        )
    finally:
        event.remove(Session, "before_flush", other_channel_first)
    assert raced and new and feed.url == "http://x/feed"
    assert [f.url for f in store.channel_feeds("discord:1")] == ["http://x/feed"]
    assert [f.url for f in store.channel_feeds("slack:C1")] == ["http://x/feed"]


def test_oversized_feed_values_are_stored_not_refused(store):
    """PostgreSQL enforces VARCHAR lengths (SQLite does not): a feed's over-long title,
    entry title, link or guid must not make every poll of it fail."""
    long_link = "http://x/story?" + "utm=" + "a" * 3000
    huge = [NewEntry("guid-" + "g" * 3000, long_link, "T" * 1500)]
    feed, new = store.subscribe(
        "discord:1",
        "http://x/feed",
        title="F" * 600,
        entries=entries("a"),
        etag='"' + "e" * 600 + '"',
        last_modified=None,
        now=T0,
        next_poll_at=T0,
    )
    assert new
    added = store.record_poll(
        feed.id, now=T0 + timedelta(minutes=1), next_poll_at=T0, etag='"' + "e" * 600 + '"', entries=huge + entries("b")
    )
    assert len(added) == 2
    again = store.record_poll(feed.id, now=T0 + timedelta(minutes=2), next_poll_at=T0, entries=huge + entries("b"))
    assert again == []  # the long guid is still recognised
    store.remember_article(long_link, "k" * 64, "T" * 1500, T0)
    assert store.content_key_for(long_link) == "k" * 64
