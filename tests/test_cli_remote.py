"""`briefbot brief URL...` in process, against a real local server."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from briefings.fetching import ALLOW_HOSTS_ENV
from httpserver import SAMPLE_PARAGRAPHS, http_server, loopback_only, news_page  # noqa: F401

pytestmark = pytest.mark.usefixtures("loopback_only")


@pytest.fixture
def allow_local(monkeypatch):
    monkeypatch.setenv(ALLOW_HOSTS_ENV, "127.0.0.1")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def story_feed(base: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Coastal Ledger</title><link>https://ledger.example/</link>"
        f"<item><title>Sea wall vote</title><link>{base}/news/sea-wall</link><guid>sw-1</guid>"
        "<description>Port Ellis will rebuild its sea wall…</description></item>"
        "</channel></rss>"
    )


def test_page_url_is_briefed(capsys, http_server, allow_local):
    http_server.route("/news/sea-wall", news_page())
    code, out, err = run(capsys, "brief", "--format", "jsonl", http_server.url("/news/sea-wall"))
    assert code == 0, err
    [record] = [json.loads(line) for line in out.splitlines()]
    assert record["title"] == "Harbor city votes to rebuild sea wall"
    assert record["url"] == http_server.url("/news/sea-wall")
    assert any("Port Ellis" in s or "sea wall" in s for s in record["summary"])
    assert any("Ruiz" in q["speaker"] for q in record["quotes"])


def test_feed_url_briefs_completed_entries(capsys, http_server, allow_local):
    http_server.route("/news/sea-wall", news_page())
    http_server.route("/rss", story_feed(http_server.base_url), content_type="application/rss+xml")
    code, out, err = run(capsys, "brief", "--format", "jsonl", http_server.url("/rss"))
    assert code == 0, err
    [record] = [json.loads(line) for line in out.splitlines()]
    assert record["url"] == http_server.url("/news/sea-wall")
    assert "Port Ellis" in " ".join(record["summary"])


def test_refused_and_failing_urls_do_not_stop_the_other_sources(capsys, http_server, allow_local, seed_path):
    http_server.route("/news/sea-wall", news_page())
    http_server.route("/photo.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    bad = {
        "http://169.254.169.254/latest/meta-data/": "briefbot: refused http://169.254.169.254/latest/meta-data/: "
        "the host is a link-local address (169.254.169.254)",
        "file:///etc/passwd": "briefbot: refused file:///etc/passwd: only http and https URLs are fetched, not file:",
        f"http://[::1]:{http_server.port}/": f"briefbot: refused http://[::1]:{http_server.port}/: "
        "the host is a loopback address (::1)",
        http_server.url("/missing"): f"briefbot: could not load {http_server.url('/missing')}: "
        "the server answered 404 Not Found",
        http_server.url("/photo.png"): f"briefbot: could not load {http_server.url('/photo.png')}: "
        "it is image/png, not a web page, a feed or plain text",
    }
    code, out, err = run(capsys, "brief", "--format", "jsonl", *bad, http_server.url("/news/sea-wall"), str(seed_path))
    assert code == 1
    assert sorted(err.splitlines()) == sorted(bad.values())
    assert "Traceback" not in err
    titles = [json.loads(line)["title"] for line in out.splitlines()]
    assert titles == ["Harbor city votes to rebuild sea wall", "US-South Korea Contemporary Relations"]


def test_loopback_refused_without_the_allow_list(capsys, http_server, monkeypatch):
    monkeypatch.delenv(ALLOW_HOSTS_ENV, raising=False)
    http_server.route("/news/sea-wall", news_page())
    url = http_server.url("/news/sea-wall")
    code, out, err = run(capsys, "brief", url)
    assert code == 1 and out == ""
    assert err == f"briefbot: refused {url}: the host is a loopback address (127.0.0.1)\n"
    assert http_server.requests == []
