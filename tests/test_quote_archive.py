"""The quote archive: kept per channel, searched with the database's full-text search
(SQLite FTS5, PostgreSQL tsvector + GIN), never across channels, pruned with the rest."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.storage import open_store
from bot.storage.archive import QuoteRecord

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
A, B = "discord:1", "slack:C2"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
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


def rec(speaker, text, at, story="Storm hits coast", url="http://a/storm", outlets=("Courier",), kind="direct"):
    return QuoteRecord(
        speaker=speaker, speaker_kind="person", kind=kind, text=text, story=story, url=url, outlets=outlets, said_at=at
    )


def fill(store):
    store.archive_quotes(
        A,
        [
            rec(
                "Joan Pryce",
                "This is the worst storm we have seen here in twenty years",
                T0,
                outlets=("Courier", "Metro"),
            ),
            rec(
                "Joan Pryce",
                "People are exhausted, and they are angry about the sea wall",
                T0 + timedelta(days=6),
                story="Storm Dara floods Wexley",
                url="http://a/dara",
            ),
            rec(
                "Paul Sandor",
                "We will do what is necessary to bring inflation back to 2 percent",
                T0 + timedelta(days=2),
                story="Rates rise",
                url="http://a/rates",
            ),
            rec(None, "the storm surge was the highest on record", T0 + timedelta(days=1), kind="indirect"),
        ],
    )
    store.archive_quotes(
        B,
        [
            rec(
                "Joan Pryce",
                "Our harbour budget is secret no longer",
                T0 + timedelta(days=3),
                story="Budget",
                url="http://b/budget",
            )
        ],
    )


def test_quotes_by_speaker_newest_first_with_links_and_days(store):
    fill(store)
    found = store.quotes_by_speaker(A, "pryce")
    assert [r.text[:12] for r in found] == ["People are e", "This is the "]
    assert found[1].url == "http://a/storm" and found[1].outlets == ("Courier", "Metro")
    assert found[1].said_at == T0
    recent = store.quotes_by_speaker(A, "Joan Pryce", since=T0 + timedelta(days=5))
    assert [r.story for r in recent] == ["Storm Dara floods Wexley"]


def test_full_text_search_finds_words_anywhere_in_the_quote(store):
    fill(store)
    assert [r.speaker for r in store.quotes_matching(A, "worst storm")] == ["Joan Pryce"]
    assert [r.speaker for r in store.quotes_matching(A, "inflation")] == ["Paul Sandor"]
    assert [r.text for r in store.quotes_matching(A, "storm")][0].startswith("the storm surge")  # newest first
    assert store.quotes_matching(A, "volcano") == []
    # operator characters are words, not syntax
    for odd in ('storm" OR "x', "NEAR(storm", "storm*)", "'; DROP TABLE quote_archive; --", "***"):
        store.quotes_matching(A, odd)
    assert store.quotes_by_speaker(A, "%") == []  # LIKE wildcards are literal


def test_one_channel_never_sees_another_channels_archive(store):
    fill(store)
    assert [r.text for r in store.quotes_by_speaker(B, "Pryce")] == ["Our harbour budget is secret no longer"]
    assert store.quotes_matching(B, "worst storm") == []
    assert store.quotes_matching(A, "harbour budget") == []
    assert store.archived_speakers(B, "") == ["Joan Pryce"]
    assert store.quotes_by_speaker("discord:999", "Pryce") == []


def test_the_same_quote_is_kept_once_per_channel(store):
    fill(store)
    again = store.archive_quotes(
        A, [rec("Joan Pryce", "This is the worst storm we have seen here in twenty years!", T0 + timedelta(days=1))]
    )
    assert again == 0
    assert len(store.quotes_matching(A, "worst storm")) == 1


def test_speaker_autocomplete_from_the_archive(store):
    fill(store)
    assert store.archived_speakers(A, "") == ["Joan Pryce", "Paul Sandor"]  # most quoted first
    assert store.archived_speakers(A, "san") == ["Paul Sandor"]
    assert store.archived_speakers(A, "pr") == ["Joan Pryce"]


def test_pruning_forgets_old_quotes_and_the_index_follows(store):
    fill(store)
    counts = store.prune(T0 + timedelta(days=33))
    assert counts["quotes"] == 3  # said before day 3
    assert store.quotes_matching(A, "worst storm") == []
    assert [r.speaker for r in store.quotes_matching(A, "exhausted")] == ["Joan Pryce"]
    store.archive_quotes(
        A, [rec("Joan Pryce", "This is the worst storm we have seen here in twenty years", T0 + timedelta(days=33))]
    )
    assert len(store.quotes_matching(A, "worst storm")) == 1


def test_reopening_keeps_the_archive_searchable(tmp_path):
    url = f"sqlite:///{tmp_path}/data/bot.db"
    s = open_store(url)
    fill(s)
    s.close()
    s = open_store(url)
    assert [r.speaker for r in s.quotes_matching(A, "worst")] == ["Joan Pryce"]
    s.close()
