"""The bot's digest as a front page: feeds on 127.0.0.1 carrying the same and different stories."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.scheduling import FeedPoller
from bot_helpers import CHANNEL, OTHER, inv, open_core, rss
from httpserver import http_server  # noqa: F401

T0 = datetime(2026, 5, 4, 7, 0, tzinfo=timezone.utc)
TEXTS = Path(__file__).parent / "cluster_eval" / "texts"


def text(name: str) -> str:
    return (TEXTS / f"{name}.txt").read_text(encoding="utf-8")


def wire_copy(name: str, headline: str) -> str:
    """An agency version: another headline, a local intro, cut after three paragraphs."""
    paras = text(name).split("\n\n")[1:4]
    return headline + "\n\nResidents of Carver County will feel this too.\n\n" + "\n\n".join(paras)


class Outlet:
    """One news site with one feed on the shared test server."""

    def __init__(self, server, slug: str, title: str) -> None:
        self.server, self.slug, self.title = server, slug, title
        self.items: list[dict] = []
        self.version = 0
        self.publish()

    def add(self, key: str, body: str) -> str:
        page = f"/{self.slug}/{key}"
        self.server.route(page, body, content_type="text/plain; charset=utf-8")
        url = self.server.url(page)
        self.items.insert(0, {"guid": f"{self.slug}-{key}", "link": url, "title": body.split("\n", 1)[0]})
        self.publish()
        return url

    def publish(self) -> None:
        self.version += 1
        self.server.route(
            f"/{self.slug}/feed.xml",
            rss(self.title, self.items),
            etag=f'"v{self.version}"',
            content_type="application/rss+xml; charset=utf-8",
        )

    @property
    def url(self) -> str:
        return self.server.url(f"/{self.slug}/feed.xml")


@pytest.fixture
def core(tmp_path, nlp):
    c = open_core(tmp_path, FakeClock(T0))
    yield c
    c.store.close()
    c.briefer.close()


async def follow(core, *outlets, channel=CHANNEL, **schedule):
    for o in outlets:
        assert not (await core.service.handle(inv("feeds add", channel=channel, url=o.url))).error
    reply = await core.service.handle(inv("schedule set", channel=channel, time="08:00", timezone="UTC", **schedule))
    assert not reply.error, reply.text
    return reply


async def poll(core):
    poller = FeedPoller(
        core.store, core.sources, core.cache, core.clock, interval_seconds=core.settings.feed_poll_seconds
    )
    core.clock.advance(minutes=2)
    return await poller.poll_due()


async def digest(core, channel=CHANNEL):
    reply = await core.service.handle(inv("digest", channel=channel, manage=False))
    assert not reply.error, reply.text
    return reply


async def test_two_outlets_versions_of_one_story_are_one_card_with_also_in(core, http_server):
    a, b, c = (
        Outlet(http_server, "a", "Coast Courier"),
        Outlet(http_server, "b", "Metro Daily"),
        Outlet(http_server, "c", "State Wire"),
    )
    await follow(core, a, b, c)
    a.add("rates", text("rates-2-courier"))  # one outlet only, arrives first
    a.add("storm", text("storm-1-courier"))
    b_url = b.add("storm", text("storm-1-metro"))  # the same storm, in Metro's words
    c_url = c.add("storm", wire_copy("storm-1-courier", "Two dead as storm hits coast"))
    await poll(core)
    reply = await digest(core)
    assert "2 new stories from 4 articles" in reply.text
    storm, rates = reply.cards[0], reply.cards[1]
    assert storm.title == "Storm Carla leaves two dead and 40,000 without power"  # the fullest article
    assert storm.source == "Coast Courier"
    assert storm.note.startswith("Also in: ") and f"Metro Daily ({b_url})" in storm.note
    assert f"State Wire ({c_url})" in storm.note
    assert len(storm.summary) == 2  # the default digest length
    pryce = next(sp for sp in storm.speakers if sp.name and "Pryce" in sp.name)
    carried = [q for q in pryce.quotes if "worst storm" in q.text]
    assert len(carried) == 1 and "Coast Courier" in carried[0].story and "Metro Daily" in carried[0].story
    assert "Central bank holds rates" in rates.title and rates.note is None
    # every article is in the digest exactly once
    titles = [card.title for card in reply.cards]
    assert titles.count(storm.title) == 1


async def test_two_stories_sharing_names_and_places_stay_two_cards(core, http_server):
    a, b = Outlet(http_server, "a", "Coast Courier"), Outlet(http_server, "b", "Metro Daily")
    await follow(core, a, b)
    a.add("r1", text("rally-1-courier"))
    b.add("r2", text("rally-2-metro"))
    a.add("p1", text("poll-1-courier"))
    b.add("p2", text("poll-2-courier"))
    await poll(core)
    reply = await digest(core)
    assert "4 new stories" in reply.text
    stories = [card for card in reply.cards if card.title != "Who said what across these stories"]
    assert len(stories) == 4 and all(card.note is None or "Also in" not in card.note for card in stories)


async def test_ranked_by_outlets_then_recency(core, http_server):
    a, b = Outlet(http_server, "a", "Coast Courier"), Outlet(http_server, "b", "Metro Daily")
    await follow(core, a, b)
    a.add("court", text("court-1-courier"))
    b.add("court", text("court-1-metro"))
    await poll(core)
    a.add("rates", text("rates-2-courier"))  # newer, but one outlet
    await poll(core)
    b.add("storm2", text("storm-2-courier"))  # newest single-outlet story
    await poll(core)
    titles = [card.title for card in (await digest(core)).cards][:3]
    assert titles[0].startswith("Environmental group sues")
    assert titles[1].startswith("Storm Dara") and titles[2].startswith("Central bank holds")


async def test_stories_shown_and_sentences_are_schedule_settings(core, http_server):
    a = Outlet(http_server, "a", "Coast Courier")
    reply = await follow(core, a, stories=1, sentences=1)
    assert "top 1 story with 1 summary sentence each" in reply.text
    urls = [a.add(k, text(k)) for k in ("court-1-courier", "rates-2-courier", "storm-2-courier")]
    await poll(core)
    out = await digest(core)
    assert "3 new stories (the top 1 in full)" in out.text
    first, more = out.cards[0], out.cards[1]
    assert len(first.summary) == 1
    assert more.title == "More stories" and len(more.summary) == 2
    assert all(any(u in line for line in more.summary) for u in urls if u != first.url)
    show = await core.service.handle(inv("schedule show"))
    assert "top 1 story with 1 summary sentence each" in show.text
    # a channel without the settings gets the defaults
    await follow(core, a, channel=OTHER)
    assert (
        "top 15 stories with 2 summary sentences each"
        in (await core.service.handle(inv("schedule show", channel=OTHER))).text
    )


async def test_longer_digest_summaries_are_briefed_once_more_and_cached(core, http_server):
    a = Outlet(http_server, "a", "Coast Courier")
    await follow(core, a, sentences=4)
    a.add("court", text("court-1-courier"))
    await poll(core)
    before = core.briefer.articles_briefed
    assert len((await digest(core)).cards[0].summary) == 4
    assert len((await digest(core)).cards[0].summary) == 4
    assert core.briefer.articles_briefed == before + 1


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"sentences": 0}, "1 to 5 summary sentences"),
        ({"sentences": 9}, "1 to 5 summary sentences"),
        ({"sentences": "two"}, "not a number of summary sentences"),
        ({"stories": 0}, "1 to 25 stories"),
        ({"stories": 100}, "1 to 25 stories"),
    ],
)
async def test_digest_settings_are_validated(core, options, expected):
    reply = await core.service.handle(inv("schedule set", time="08:00", timezone="UTC", **options))
    assert reply.error and reply.ephemeral and expected in reply.text
    assert core.store.schedule(CHANNEL.key) is None


async def test_changing_the_time_keeps_the_digest_settings(core):
    await core.service.handle(inv("schedule set", time="08:00", timezone="UTC", stories=3, sentences=1))
    await core.service.handle(inv("schedule set", time="09:00", timezone="UTC"))
    row = core.store.schedule(CHANNEL.key)
    assert (row.hour, row.digest_stories, row.digest_sentences) == (9, 3, 1)


# --- the quote archive through /quotes --------------------------------------------------------


async def test_quotes_a_channel_received_are_searchable_by_speaker_and_words(core, http_server):
    a, b = Outlet(http_server, "a", "Coast Courier"), Outlet(http_server, "b", "Metro Daily")
    await follow(core, a, b)
    storm_url = a.add("storm", text("storm-1-courier"))
    b.add("storm", text("storm-1-metro"))
    a.add("rates", text("rates-1-courier"))
    await poll(core)
    await digest(core)
    by_speaker = await core.service.handle(inv("quotes", speaker="Pryce", manage=False))
    assert not by_speaker.error, by_speaker.text
    assert "newest first" in by_speaker.text
    (card,) = by_speaker.cards
    assert card.url == storm_url and "Coast Courier" in card.source and "Metro Daily" in card.source
    assert any("worst storm" in q.text for sp in card.speakers for q in sp.quotes)
    by_words = await core.service.handle(inv("quotes", text="inflation", manage=False))
    names = [sp.name for c in by_words.cards for sp in c.speakers]
    assert "Paul Sandor" in names and all("Pryce" not in (n or "") for n in names)
    recent = await core.service.handle(inv("quotes", speaker="Sandor", days=1, manage=False))
    assert recent.cards
    core.clock.advance(days=3)
    old = await core.service.handle(inv("quotes", speaker="Sandor", days=1, manage=False))
    assert not old.cards and "No quotes" in old.text
    # the other channel follows nothing of this: it finds nothing, and autocomplete offers nothing
    other = await core.service.handle(inv("quotes", channel=OTHER, speaker="Pryce", manage=False))
    assert not other.cards and "No quotes" in other.text
    assert await core.service.speaker_choices("", "pr", OTHER) == []
    assert "Joan Pryce" in await core.service.speaker_choices("", "pr", CHANNEL)


async def test_a_preview_and_the_digest_archive_each_quote_once(core, http_server):
    a = Outlet(http_server, "a", "Coast Courier")
    await follow(core, a)
    a.add("storm", text("storm-1-courier"))
    await poll(core)
    await digest(core)
    first = core.store.quotes_by_speaker(CHANNEL.key, "Pryce")
    await digest(core)
    assert core.store.quotes_by_speaker(CHANNEL.key, "Pryce") == first


@pytest.mark.parametrize(
    "options, expected",
    [
        ({}, "speaker:<name> or text:<words>"),
        ({"speaker": "Pryce", "days": 0}, "days from 1 to 30"),
        ({"speaker": "Pryce", "days": 90}, "days from 1 to 30"),
    ],
)
async def test_quote_search_wrong_input(core, options, expected):
    reply = await core.service.handle(inv("quotes", **options))
    assert reply.error and reply.ephemeral and expected in reply.text
