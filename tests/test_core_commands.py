"""The command layer end to end: real library, real SQLite file, pages and feeds on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.interface import COMMAND_NAMES, CommandService
from bot.core.views import render_text
from bot_helpers import CHANNEL, OTHER, FeedSite, inv, open_core, story
from httpserver import http_server  # noqa: F401


@pytest.fixture
def core(tmp_path, nlp):
    c = open_core(tmp_path)
    yield c
    c.store.close()
    c.briefer.close()


async def test_service_satisfies_the_interface(core):
    assert isinstance(core.service, CommandService)


async def test_brief_a_seed_file_gives_summary_and_speakers(core, seed_path):
    reply = await core.service.handle(inv("brief", url=str(seed_path), sentences=2))
    assert not reply.error, reply.text
    (card,) = reply.cards
    assert len(card.summary) == 2
    assert card.speakers and all(sp.quotes for sp in card.speakers)
    assert card.title
    text = render_text(reply)
    assert "Summary:" in text and "Who said what:" in text


async def test_brief_url_is_briefed_once_and_quotes_autocomplete(core, http_server):
    http_server.route("/a", story(1), content_type="text/plain; charset=utf-8")
    url = http_server.url("/a")
    first = await core.service.handle(inv("brief", url=url))
    assert not first.error, first.text
    names = [sp.name for sp in first.cards[0].speakers]
    assert "Tom Becker" in names and "Aiko Tanaka" in names
    again = await core.service.handle(inv("brief", url=url, channel=OTHER, manage=False))
    assert again.cards[0].summary == first.cards[0].summary
    assert core.briefer.articles_briefed == 1
    choices = await core.service.speaker_choices(url, "tom")
    assert choices and choices[0] == "Tom Becker"
    assert await core.service.speaker_choices("http://unknown.example/", "") == []


async def test_quotes_for_one_speaker_and_unknown_speaker(core, http_server):
    http_server.route("/a", story(2), content_type="text/plain; charset=utf-8")
    url = http_server.url("/a")
    reply = await core.service.handle(inv("quotes", url=url, speaker="aiko"))
    assert not reply.error, reply.text
    (card,) = reply.cards
    assert card.summary == ()
    assert [sp.name for sp in card.speakers] and "Tanaka" in card.speakers[0].name
    bad = await core.service.handle(inv("quotes", url=url, speaker="Nobody Here"))
    assert bad.error and bad.ephemeral and "Nobody Here" in bad.text


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"url": "http://127.0.0.1:9/nothing"}, "127.0.0.1"),
        ({"url": "ftp://example.com/x"}, "only http and https"),
        ({"url": "http://10.1.2.3/story"}, "private address"),
        ({"url": "https://example.com/", "sentences": 11}, "1 to 10"),
        ({"url": "https://example.com/", "sentences": "many"}, "not a number"),
        ({}, "URL"),
    ],
)
async def test_brief_wrong_input_gets_a_specific_ephemeral_reply(core, options, expected):
    reply = await core.service.handle(inv("brief", **options))
    assert reply.error and reply.ephemeral and not reply.cards
    assert expected in reply.text
    assert "Traceback" not in reply.text


async def test_dead_link_is_reported(core, http_server):
    reply = await core.service.handle(inv("brief", url=http_server.url("/missing")))
    assert reply.error and reply.ephemeral and "404" in reply.text


async def test_feeds_add_list_remove(core, http_server):
    site = FeedSite(http_server)
    site.add_story(1)
    site.add_story(2)
    added = await core.service.handle(inv("feeds add", url=site.url))
    assert not added.error, added.text
    assert "Test News" in added.text and "2 current stories" in added.text
    again = await core.service.handle(inv("feeds add", url=site.url))
    assert "already follows" in again.text
    listed = await core.service.handle(inv("feeds list", manage=False))
    assert site.url in listed.text and "last fetched" in listed.text
    other = await core.service.handle(inv("feeds list", channel=OTHER))
    assert "no feeds" in other.text
    removed = await core.service.handle(inv("feeds remove", url=site.url))
    assert "Stopped following" in removed.text
    gone = await core.service.handle(inv("feeds remove", url=site.url))
    assert gone.error and "does not follow" in gone.text


async def test_feeds_add_refuses_non_feeds_and_refused_urls(core, http_server):
    http_server.route("/page", "<html><body><p>Hello</p></body></html>")
    not_feed = await core.service.handle(inv("feeds add", url=http_server.url("/page")))
    assert not_feed.error and "not a feed" in not_feed.text
    private = await core.service.handle(inv("feeds add", url="http://192.168.1.1/rss"))
    assert private.error and "private address" in private.text
    junk = await core.service.handle(inv("feeds add", url="not a url"))
    assert junk.error and "not a feed URL" in junk.text
    dead = await core.service.handle(inv("feeds add", url=http_server.url("/gone.xml")))
    assert dead.error and "404" in dead.text
    assert "no feeds" in (await core.service.handle(inv("feeds list"))).text


async def test_changing_feeds_and_schedule_needs_manage(core, http_server):
    site = FeedSite(http_server)
    site.add_story(1)
    for command, options in [
        ("feeds add", {"url": site.url}),
        ("feeds remove", {"url": site.url}),
        ("schedule set", {"time": "08:00", "timezone": "UTC"}),
        ("schedule off", {}),
    ]:
        reply = await core.service.handle(inv(command, manage=False, **options))
        assert reply.error and reply.ephemeral and "manage" in reply.text, command
    assert http_server.requests_to("/feed.xml") == []
    assert (await core.service.handle(inv("schedule show", manage=False))).text.startswith("No daily digest")


async def test_schedule_set_show_off(core):
    reply = await core.service.handle(inv("schedule set", time="7:05", timezone="europe/paris", days="mon-fri"))
    assert not reply.error, reply.text
    assert "07:05 (Europe/Paris) Monday to Friday" in reply.text and "Next:" in reply.text
    shown = await core.service.handle(inv("schedule show", manage=False))
    assert "07:05 (Europe/Paris)" in shown.text
    assert "off" in (await core.service.handle(inv("schedule off"))).text
    assert "no daily digest" in (await core.service.handle(inv("schedule off"))).text


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"time": "25:00", "timezone": "UTC"}, "00-23"),
        ({"time": "eight", "timezone": "UTC"}, "not a time"),
        ({"time": "08:00", "timezone": "Mars/Olympus"}, "not a time zone"),
        ({"time": "08:00", "timezone": "UTC", "days": "someday"}, "not a set of days"),
        ({"time": "08:00", "timezone": "UTC", "days": "fri-mon"}, "backwards"),
        ({"timezone": "UTC"}, "time"),
    ],
)
async def test_schedule_wrong_input(core, options, expected):
    reply = await core.service.handle(inv("schedule set", **options))
    assert reply.error and reply.ephemeral and expected in reply.text
    assert core.store.schedule(CHANNEL.key) is None


async def test_digest_now_without_feeds_and_help_and_unknown(core):
    assert "no feeds" in (await core.service.handle(inv("digest"))).text
    help_text = (await core.service.handle(inv("help"))).text
    for name in COMMAND_NAMES:
        assert f"/{name}" in help_text
    unknown = await core.service.handle(inv("frobnicate"))
    assert unknown.error and "/help" in unknown.text


async def test_autocomplete_knows_the_url_as_typed_before_redirects(core, http_server):
    http_server.route("/final", story(3), content_type="text/plain; charset=utf-8")
    http_server.redirect("/short", "/final")
    typed = http_server.url("/short")
    reply = await core.service.handle(inv("quotes", url=typed))
    assert not reply.error, reply.text
    assert reply.cards[0].url == http_server.url("/final")
    assert await core.service.speaker_choices(typed, "") == await core.service.speaker_choices(
        http_server.url("/final"), ""
    )
    assert await core.service.speaker_choices(typed, "")


async def test_stop_refuses_new_commands_after_running_ones_finish(core, http_server):
    http_server.route("/slow", story(4), content_type="text/plain; charset=utf-8", delay=0.3)
    running = asyncio.create_task(core.service.handle(inv("brief", url=http_server.url("/slow"))))
    await asyncio.sleep(0.05)
    assert await core.service.stop(timeout=10)
    assert running.done() and not running.result().error
    late = await core.service.handle(inv("help"))
    assert late.error and "restarting" in late.text


async def test_feeds_add_refuses_a_url_longer_than_the_database_keeps(core):
    """feeds.url is VARCHAR(2048): PostgreSQL would refuse a longer one with a DataError."""
    url = "https://news.example/rss?" + "x" * 2100
    reply = await core.service.handle(inv("feeds add", url=url))
    assert reply.error and "2,048" in reply.text and "failed on our side" not in reply.text
