"""News pages to articles: extraction, metadata, offsets, and pages loaded by URL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from briefings.fetching import FetchError, FetchPolicy
from briefings.loading import LoadError, load_file
from briefings.remote import load_url
from briefings.webpages import NoArticleText, article_from_html, html_to_text, parse_date
from httpserver import SAMPLE_PARAGRAPHS, http_server, loopback_only, news_page  # noqa: F401

pytestmark = pytest.mark.usefixtures("loopback_only")

POLICY = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), timeout=2.0)


def test_article_text_and_metadata():
    article = article_from_html(news_page(), url="https://ledger.example/news/sea-wall")
    assert article.title == "Harbor city votes to rebuild sea wall"
    assert article.author == "Maria Okafor"
    assert article.source == "The Coastal Ledger"
    assert article.published == datetime(2026, 3, 14, 9, 30, tzinfo=timezone.utc)
    assert article.url == "https://ledger.example/news/sea-wall"
    assert article.text.startswith("The city council of Port Ellis voted 7 to 2")
    assert "storm surge." in article.text
    # The headline, the byline, navigation, sidebars and the footer are not story text.
    for junk in ("Harbor city votes", "By Maria", "Home", "Most read", "Other story", "newsletter"):
        assert junk not in article.text
    # Paragraphs stay apart, one per line.
    assert article.text.count("\n") == len(SAMPLE_PARAGRAPHS) - 1


def test_offsets_point_into_the_extracted_text():
    article = article_from_html(news_page())
    for needle in ("Mayor Helen Ruiz", "$40 million", "built in 1952"):
        start = article.text.index(needle)
        o_start, o_end = article.offsets.span_to_original(start, start + len(needle))
        assert article.original[o_start:o_end] == needle


def test_host_name_is_the_source_without_a_site_name():
    article = article_from_html(news_page(site=None), url="https://www.harbor-news.example/a/1")
    assert article.source == "harbor-news.example"


def test_date_only_metadata_gives_midnight():
    article = article_from_html(news_page(published="2026-02-03"))
    assert article.published is not None and article.published.date() == datetime(2026, 2, 3).date()


def test_page_without_story_text_is_a_clear_error():
    html = "<html><head><title>Login</title></head><body><nav>Home</nav></body></html>"
    with pytest.raises(NoArticleText) as err:
        article_from_html(html, url="https://example.com/login")
    assert str(err.value) == ("could not load https://example.com/login: no article text was found in the page")
    # Callers catching either family see it: URL loaders and file loaders.
    assert isinstance(err.value, FetchError) and isinstance(err.value, LoadError)


def test_saved_html_file_through_the_file_loader(tmp_path):
    path = tmp_path / "story.html"
    path.write_text(news_page(), encoding="utf-8")
    article = load_file(path)
    assert article.path == str(path)
    assert article.title == "Harbor city votes to rebuild sea wall"
    assert "Mayor Helen Ruiz" in article.text


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    fragment = "<p>First <b>bold</b> line.</p><script>evil()</script><ul><li>one</li><li>two</li></ul>Tail &amp; end"
    assert html_to_text(fragment) == "First bold line.\n\none\n\ntwo\n\nTail & end"
    assert html_to_text("plain   words\n\n more") == "plain words\n\nmore"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-03-14T09:30:00+0000", datetime(2026, 3, 14, 9, 30, tzinfo=timezone.utc)),
        ("2026-03-14", datetime(2026, 3, 14)),
        ("2026-03-14T09:30:00-0500", datetime(2026, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=-5)))),
        ("not a date", None),
        (None, None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


# --------------------------------------------------------------------------- by URL


async def test_load_url_page(http_server):
    http_server.route("/news/sea-wall", news_page())
    [article] = await load_url(http_server.url("/news/sea-wall"), policy=POLICY)
    assert article.url == http_server.url("/news/sea-wall")
    assert article.title == "Harbor city votes to rebuild sea wall"
    assert article.author == "Maria Okafor"
    assert article.source == "The Coastal Ledger"
    assert article.published == datetime(2026, 3, 14, 9, 30, tzinfo=timezone.utc)
    assert "Councilman Dev Patel" in article.text


async def test_load_url_follows_a_redirect_and_reports_the_final_url(http_server):
    http_server.route("/story", news_page())
    http_server.redirect("/s/42", "/story", status=301)
    [article] = await load_url(http_server.url("/s/42"), policy=POLICY)
    assert article.url == http_server.url("/story")


@pytest.mark.parametrize("charset, via", [("windows-1252", "http"), ("iso-8859-1", "meta"), ("iso-8859-1", "http")])
async def test_non_utf8_page(http_server, charset, via):
    paragraphs = [
        "Le maire de Saint-\u00c9tienne a d\u00e9clar\u00e9 jeudi que la r\u00e9novation du "
        "th\u00e9\u00e2tre co\u00fbterait pr\u00e8s de 12 millions d\u2019euros, selon les "
        "\u00e9lus r\u00e9unis en s\u00e9ance pl\u00e9ni\u00e8re.",
        "\u00ab Nous ne renoncerons pas \u00bb, a dit Fran\u00e7oise M\u00fcller, adjointe "
        "\u00e0 la culture, apr\u00e8s un d\u00e9bat tr\u00e8s anim\u00e9 sur le budget.",
        "Les travaux commenceront \u00e0 l\u2019automne et dureront dix-huit mois, a "
        "pr\u00e9cis\u00e9 la mairie dans un communiqu\u00e9 publi\u00e9 vendredi matin.",
    ]
    if charset == "iso-8859-1":  # no curly apostrophe in Latin-1
        paragraphs = [p.replace("\u2019", "'") for p in paragraphs]
    html = news_page(
        "R\u00e9novation du th\u00e9\u00e2tre", paragraphs, meta_charset=charset if via == "meta" else None
    )
    content_type = f"text/html; charset={charset}" if via == "http" else "text/html"
    http_server.route("/fr", html.encode(charset), content_type=content_type)
    [article] = await load_url(http_server.url("/fr"), policy=POLICY)
    assert article.title == "R\u00e9novation du th\u00e9\u00e2tre"
    assert "Fran\u00e7oise M\u00fcller" in article.text
    assert "d\u00e9clar\u00e9 jeudi" in article.text


async def test_load_url_plain_text(http_server):
    body = "Port Ellis to rebuild sea wall\n\n" + "\n\n".join(SAMPLE_PARAGRAPHS)
    http_server.route("/story.txt", body, content_type="text/plain; charset=utf-8")
    [article] = await load_url(http_server.url("/story.txt"), policy=POLICY)
    assert article.title == "Port Ellis to rebuild sea wall"
    assert article.text.startswith("The city council")
    assert article.source == "127.0.0.1"


async def test_load_url_page_without_article(http_server):
    http_server.route("/empty", "<html><body><nav>Home</nav></body></html>")
    with pytest.raises(NoArticleText):
        await load_url(http_server.url("/empty"), policy=POLICY)


def test_share_bars_related_links_comments_and_cookie_banners_are_dropped():
    html = (
        news_page()
        .replace("<article>", '<div class="share">Share on Facebook | Twitter | Email</div><article>')
        .replace(
            "</article>",
            '<div class="related"><h2>Related stories</h2><ul><li><a href="/x">Storm damages '
            "pier in nearby town</a></li></ul></div></article>"
            '<section id="comments"><h2>12 Comments</h2><div class="comment"><p>John: This is '
            "a waste of money and the council should be ashamed of itself.</p></div></section>"
            '<div class="cookie">We use cookies to improve your experience. Accept all</div>',
        )
    )
    article = article_from_html(html, url="https://ledger.example/x")
    assert article.text.split("\n") == list(SAMPLE_PARAGRAPHS)
