"""RSS and Atom: parsing, conditional polling, and feeds loaded as articles."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from html import escape

import pytest

from briefings.feeds import (
    TEASER_WORDS,
    FeedError,
    FeedPoll,
    feed_articles,
    looks_like_feed,
    parse_feed,
    poll_feed,
)
from briefings.fetching import FetchPolicy
from briefings.remote import load_url
from httpserver import (  # noqa: F401
    SAMPLE_PARAGRAPHS,
    Response,
    http_server,
    loopback_only,
    news_page,
)

pytestmark = pytest.mark.usefixtures("loopback_only")

POLICY = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), timeout=2.0)
LONG_TEXT = " ".join(SAMPLE_PARAGRAPHS * 3)  # well over TEASER_WORDS


def rss(items: list[dict], *, title: str = "The Coastal Ledger", encoding: str = "utf-8") -> str:
    parts = []
    for item in items:
        fields = []
        for tag in ("title", "link", "guid", "pubDate", "author"):
            if tag in item:
                fields.append(f"<{tag}>{escape(item[tag])}</{tag}>")
        if "description" in item:
            fields.append(f"<description>{escape(item['description'])}</description>")
        if "content" in item:
            fields.append(f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>")
        parts.append("<item>" + "".join(fields) + "</item>")
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{escape(title)}</title><link>https://ledger.example/</link>"
        "<description>News</description>" + "".join(parts) + "</channel></rss>"
    )


def atom(entries: list[dict]) -> str:
    parts = []
    for e in entries:
        parts.append(
            "<entry>"
            f"<title>{escape(e['title'])}</title>"
            f'<link rel="alternate" href="{escape(e["link"])}"/>'
            f"<id>{escape(e['id'])}</id>"
            f"<updated>{e.get('updated', '2026-03-14T09:30:00Z')}</updated>"
            f"<author><name>{escape(e.get('author', 'Staff'))}</name></author>"
            + (f'<summary type="html">{escape(e["summary"])}</summary>' if "summary" in e else "")
            + (f'<content type="html">{escape(e["content"])}</content>' if "content" in e else "")
            + "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Harbor Wire</title><id>urn:harbor-wire</id><updated>2026-03-14T09:30:00Z</updated>"
        + "".join(parts)
        + "</feed>"
    )


# --------------------------------------------------------------------------- parsing


def test_rss_entries_with_stable_ids_and_plain_text():
    doc = rss(
        [
            {
                "title": "Sea wall vote",
                "link": "https://ledger.example/a",
                "guid": "ledger-1",
                "pubDate": "Sat, 14 Mar 2026 09:30:00 GMT",
                "description": "<p>The council <b>voted</b> to rebuild.</p><p>Second para.</p>",
            },
            {"title": "No guid", "link": "https://ledger.example/b", "description": "Teaser."},
            {"title": "Neither id nor link", "description": "Only text."},
        ]
    )
    feed = parse_feed(doc, "https://ledger.example/rss")
    assert feed.title == "The Coastal Ledger" and feed.source == "The Coastal Ledger"
    first, second, third = feed.entries
    assert first.id == "ledger-1"
    assert first.published == datetime(2026, 3, 14, 9, 30, tzinfo=timezone.utc)
    assert first.summary == "The council voted to rebuild.\n\nSecond para."
    assert second.id == "https://ledger.example/b"
    assert second.published is None
    assert third.id.startswith("sha256:") and third.link is None
    # The fallback id depends on the entry, never on the time it was read.
    assert parse_feed(doc, "https://ledger.example/rss").entries[2].id == third.id


def test_atom_entries_with_full_content():
    doc = atom(
        [
            {
                "title": "Full story",
                "link": "https://wire.example/full",
                "id": "urn:1",
                "author": "Dana Reyes",
                "summary": "Short.",
                "content": "".join(f"<p>{p}</p>" for p in SAMPLE_PARAGRAPHS * 3),
            }
        ]
    )
    feed = parse_feed(doc.encode(), "https://wire.example/atom")
    [entry] = feed.entries
    assert feed.title == "Harbor Wire" and feed.version == "atom10"
    assert entry.id == "urn:1" and entry.author == "Dana Reyes"
    assert entry.published == datetime(2026, 3, 14, 9, 30, tzinfo=timezone.utc)
    assert entry.text.startswith(SAMPLE_PARAGRAPHS[0])
    assert not entry.is_teaser


def test_teaser_detection():
    doc = rss(
        [
            {"title": "a", "link": "https://x.example/a", "description": "Two short sentences. Really."},
            {"title": "b", "link": "https://x.example/b", "description": LONG_TEXT},
            {"title": "c", "link": "https://x.example/c", "description": LONG_TEXT + " Read more"},
        ]
    )
    short, full, marked = parse_feed(doc, "https://x.example/rss").entries
    assert short.is_teaser and not full.is_teaser and marked.is_teaser
    assert len(full.text.split()) >= TEASER_WORDS


@pytest.mark.parametrize(
    "doc, reason",
    [
        (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Broken</title></chan',
            "the feed is malformed and has no readable entries",
        ),
        ("<html><body><p>Just a page</p></body></html>", "it is not an RSS or Atom feed"),
        ('{"version": "https://jsonfeed.org/version/1"}', "it is not an RSS or Atom feed"),
        ("", "it is not an RSS or Atom feed"),
    ],
)
def test_malformed_or_non_feeds(doc, reason):
    with pytest.raises(FeedError) as err:
        parse_feed(doc, "https://x.example/feed")
    assert str(err.value) == f"could not load https://x.example/feed: {reason}"


def test_feed_text_is_never_opened_as_a_path_or_url(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_text(rss([{"title": "leak", "link": "https://x.example/l", "description": "x"}]))
    with pytest.raises(FeedError):
        parse_feed(str(secret), "https://x.example/feed")


def test_relative_links_resolve_against_the_feed_url():
    doc = rss([{"title": "rel", "link": "/news/1", "guid": "plain-guid", "description": "x"}])
    [entry] = parse_feed(doc, "https://x.example/feeds/rss").entries
    assert entry.link == "https://x.example/news/1" and entry.id == "plain-guid"


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(document.cookie)", "data:text/html,<b>hi</b>", "file:///etc/passwd", "mailto:desk@x.example"],
)
def test_entry_links_that_are_not_web_pages_are_dropped(link):
    # The link becomes the article's URL, which chat renders as a clickable link.
    doc = rss([{"title": "Odd link", "link": link, "description": "x"}])
    [entry] = parse_feed(doc, "https://x.example/feeds/rss").entries
    assert entry.link is None
    assert entry.id.startswith("sha256:")


def test_a_feed_link_that_is_not_a_web_page_is_dropped():
    doc = rss([]).replace("https://ledger.example/", "javascript:alert(1)")
    assert parse_feed(doc, "https://x.example/rss").link is None


def test_an_empty_but_valid_feed_parses():
    assert parse_feed(rss([]), "https://x.example/rss").entries == ()


def test_non_utf8_feed_follows_its_declaration():
    doc = rss(
        [
            {
                "title": "Caf\u00e9 r\u00e9ouvert",
                "link": "https://x.example/c",
                "description": "Le caf\u00e9 de la gare a rouvert.",
            }
        ],
        encoding="iso-8859-1",
    )
    [entry] = parse_feed(doc.encode("iso-8859-1"), "https://x.example/rss").entries
    assert entry.title == "Caf\u00e9 r\u00e9ouvert"
    assert entry.summary == "Le caf\u00e9 de la gare a rouvert."


def test_looks_like_feed():
    assert looks_like_feed(rss([]))
    assert looks_like_feed(atom([]).encode())
    assert looks_like_feed(b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- hi -->\n<rdf:RDF>')
    assert not looks_like_feed("<!DOCTYPE html><html><body>rss</body></html>")


# --------------------------------------------------------------------------- polling


async def test_rss_poll_with_etag_then_304(http_server):
    doc = rss([{"title": "One", "link": "https://x.example/1", "guid": "g1", "description": "x"}])
    http_server.route("/rss", doc, content_type="application/rss+xml", etag='"rev-7"')
    first = await poll_feed(http_server.url("/rss"), policy=POLICY)
    assert isinstance(first, FeedPoll) and not first.not_modified
    assert [e.id for e in first.entries] == ["g1"] and first.etag == '"rev-7"'
    second = await poll_feed(http_server.url("/rss"), etag=first.etag, last_modified=first.last_modified, policy=POLICY)
    assert second.not_modified and second.entries == () and second.etag == '"rev-7"'
    assert http_server.requests_to("/rss")[1].header("If-None-Match") == '"rev-7"'


async def test_atom_poll_with_last_modified_then_304(http_server):
    stamp = datetime(2026, 3, 14, 10, 0, tzinfo=timezone.utc)
    doc = atom([{"title": "A", "link": "https://w.example/a", "id": "urn:a", "summary": "s"}])
    http_server.route("/atom", doc, content_type="application/atom+xml", last_modified=stamp)
    first = await poll_feed(http_server.url("/atom"), policy=POLICY)
    assert first.last_modified == "Sat, 14 Mar 2026 10:00:00 GMT" and first.etag is None
    second = await poll_feed(http_server.url("/atom"), last_modified=first.last_modified, policy=POLICY)
    assert second.not_modified
    assert second.last_modified == first.last_modified
    sent = http_server.requests_to("/atom")[1]
    assert sent.header("If-Modified-Since") == "Sat, 14 Mar 2026 10:00:00 GMT"
    assert sent.header("If-None-Match") is None


async def test_poll_of_a_changed_feed_returns_new_validators(http_server):
    http_server.route(
        "/rss", rss([{"title": "New", "link": "https://x.example/n"}]), content_type="application/rss+xml", etag='"v2"'
    )
    polled = await poll_feed(http_server.url("/rss"), etag='"v1"', policy=POLICY)
    assert not polled.not_modified and polled.etag == '"v2"'
    assert [e.id for e in polled.entries] == ["https://x.example/n"]


async def test_poll_of_a_page_is_a_feed_error(http_server):
    http_server.route("/page", news_page())
    with pytest.raises(FeedError):
        await poll_feed(http_server.url("/page"), policy=POLICY)


# --------------------------------------------------------------------------- as articles


async def test_load_url_feed_completes_teasers_from_their_pages(http_server):
    http_server.route("/news/sea-wall", news_page())
    doc = rss(
        [
            {
                "title": "Sea wall vote",
                "link": http_server.url("/news/sea-wall"),
                "guid": "1",
                "pubDate": "Sat, 14 Mar 2026 09:30:00 GMT",
                "description": "Port Ellis will rebuild its sea wall\u2026",
            },
            {
                "title": "Dead link",
                "link": http_server.url("/gone"),
                "guid": "2",
                "description": "Teaser of a story whose page is gone.",
            },
            {
                "title": "Full in feed",
                "link": http_server.url("/full"),
                "guid": "3",
                "content": "".join(f"<p>{p}</p>" for p in SAMPLE_PARAGRAPHS * 3),
            },
        ]
    )
    http_server.route("/rss", doc, content_type="application/rss+xml")
    completed, dead, full = await load_url(http_server.url("/rss"), policy=POLICY)

    assert completed.text.startswith("The city council of Port Ellis voted")
    assert completed.author == "Maria Okafor" and completed.source == "The Coastal Ledger"
    assert completed.url == http_server.url("/news/sea-wall")

    assert dead.text == "Teaser of a story whose page is gone."
    assert dead.title == "Dead link" and dead.source == "The Coastal Ledger"

    assert full.text.startswith(SAMPLE_PARAGRAPHS[0])
    assert http_server.requests_to("/full") == []  # full entries are not fetched


async def test_teaser_kept_when_the_link_is_refused(http_server):
    doc = rss(
        [{"title": "Sneaky", "link": "http://169.254.169.254/latest/meta-data/", "description": "Click for more\u2026"}]
    )
    http_server.route("/rss", doc, content_type="application/rss+xml")
    [article] = await load_url(http_server.url("/rss"), policy=POLICY)
    assert article.text == "Click for more\u2026"


async def test_teaser_completion_runs_a_few_at_a_time(http_server):
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}
    page = news_page().encode()

    def slow_page(request):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.25)
        with lock:
            state["now"] -= 1
        return Response(body=page, headers={"Content-Type": "text/html; charset=utf-8"})

    items = []
    for i in range(8):
        http_server.handle(f"/p{i}", slow_page)
        items.append({"title": f"t{i}", "link": http_server.url(f"/p{i}"), "guid": str(i), "description": "Teaser."})
    feed = parse_feed(rss(items), http_server.url("/rss"))
    articles = await feed_articles(feed, policy=POLICY, concurrency=3)
    assert len(articles) == 8 and all("Port Ellis" in a.text for a in articles)
    # Concurrent, not one after another, and never more than asked: the server counts the
    # requests open at once (no wall-clock bound, which a loaded machine could break).
    assert 1 < state["peak"] <= 3


async def test_feed_served_as_html_is_still_read_as_a_feed(http_server):
    doc = rss([{"title": "x", "link": "https://x.example/1", "description": LONG_TEXT}])
    http_server.route("/feed", doc, content_type="text/html; charset=utf-8")
    [article] = await load_url(http_server.url("/feed"), policy=POLICY)
    assert article.title == "x" and article.text.startswith("The city council")


async def test_max_entries(http_server):
    items = [{"title": f"t{i}", "link": f"https://x.example/{i}", "description": LONG_TEXT} for i in range(5)]
    http_server.route("/rss", rss(items), content_type="application/rss+xml")
    articles = await load_url(http_server.url("/rss"), policy=POLICY, max_entries=2)
    assert [a.title for a in articles] == ["t0", "t1"]


async def test_load_url_malformed_and_empty_feeds(http_server):
    http_server.route(
        "/bad", '<?xml version="1.0"?><rss version="2.0"><channel><title>B</ch', content_type="application/rss+xml"
    )
    http_server.route("/empty", rss([]), content_type="application/rss+xml")
    with pytest.raises(FeedError) as bad:
        await load_url(http_server.url("/bad"), policy=POLICY)
    assert "malformed" in str(bad.value)
    with pytest.raises(FeedError) as empty:
        await load_url(http_server.url("/empty"), policy=POLICY)
    assert str(empty.value) == f"could not load {http_server.url('/empty')}: the feed has no entries"


async def test_new_entries_of_a_poll_become_articles(http_server):
    from briefings.feeds import entry_articles

    http_server.route("/news/sea-wall", news_page())
    doc = rss(
        [
            {
                "title": "Sea wall vote",
                "link": http_server.url("/news/sea-wall"),
                "guid": "a",
                "description": "Short teaser.",
            },
            {"title": "Seen before", "link": http_server.url("/old"), "guid": "b", "description": "Old teaser."},
        ]
    )
    http_server.route("/rss", doc, content_type="application/rss+xml")
    polled = await poll_feed(http_server.url("/rss"), policy=POLICY)
    seen = {"b"}
    fresh = [e for e in polled.entries if e.id not in seen]
    [article] = await entry_articles(fresh, source=polled.title, policy=POLICY)
    assert article.text.startswith("The city council of Port Ellis")
    assert http_server.requests_to("/old") == []
