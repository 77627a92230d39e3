"""RSS and Atom feeds: parsing (feedparser), conditional polling, teaser completion.

Many feeds carry only a teaser per story; briefing a two-line teaser is useless, so
:func:`feed_articles` fetches the story's page for those entries (a few at a time) and
keeps the teaser only when the page cannot be had.
"""

from __future__ import annotations

import asyncio
import calendar
import hashlib
import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import httpx

from briefings import headlines, language
from briefings.cleaning import clean
from briefings.fetching import (
    HTML_TYPES,
    TEXT_TYPES,
    FailureKind,
    FetchError,
    FetchPolicy,
    fetch,
    make_client,
)
from briefings.model import Article
from briefings.webpages import article_from_html, html_to_text

log = logging.getLogger(__name__)

#: An entry whose text has fewer words than this is a teaser worth completing.
TEASER_WORDS = 120
#: Pages fetched at once when completing teasers (polite to one site, quick enough).
COMPLETION_CONCURRENCY = 4
_TEASER_END = re.compile(r"(?:\.\.\.|…|\[…\]|\[\.\.\.\]|read more|continue reading.{0,80})\W*$", re.IGNORECASE)
_FEED_ROOT = re.compile(
    rb"""\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?"""
    rb"""(?:<!--.*?-->\s*|<\?[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*)*<(?:rss|feed|rdf:RDF)\b""",
    re.DOTALL | re.IGNORECASE,
)


class FeedError(FetchError):
    """A document that is not a readable RSS or Atom feed."""

    kind = FailureKind.NOT_A_FEED


@dataclass(frozen=True)
class FeedEntry:
    """One story announced by a feed.

    ``id`` is stable across polls: the entry's own id, else its link, else a hash of
    its title and text (never its date, which publishers rewrite on every edit).
    ``summary`` and ``content`` are plain text, paragraphs separated by blank lines.
    """

    id: str
    title: str | None
    link: str | None
    published: datetime | None
    summary: str
    content: str | None = None
    author: str | None = None

    @property
    def text(self) -> str:
        """The fullest text the feed gives for this entry."""
        if self.content and len(self.content) >= len(self.summary):
            return self.content
        return self.summary

    @property
    def is_teaser(self) -> bool:
        text = self.text.strip()
        return len(text.split()) < TEASER_WORDS or bool(_TEASER_END.search(text))


@dataclass(frozen=True)
class ParsedFeed:
    url: str
    title: str | None
    link: str | None
    entries: tuple[FeedEntry, ...]
    version: str = ""

    @property
    def source(self) -> str | None:
        return self.title or _host(self.link) or _host(self.url)


@dataclass(frozen=True)
class FeedPoll:
    """One conditional poll of a feed; on ``not_modified`` there are no entries."""

    url: str
    entries: tuple[FeedEntry, ...]
    etag: str | None
    last_modified: str | None
    not_modified: bool = False
    title: str | None = None


def looks_like_feed(content: bytes | str) -> bool:
    """Whether a document's root element is ``rss``, ``feed`` (Atom) or ``rdf:RDF``."""
    head = content[:4096]
    if isinstance(head, str):
        head = head.encode("utf-8", errors="replace")
    return bool(_FEED_ROOT.match(head))


def parse_feed(text: str | bytes, url: str, *, content_type: str | None = None) -> ParsedFeed:
    """Parse a feed document; raise :class:`FeedError` if it is not a usable feed.

    The document goes to feedparser as a stream, never as a string: feedparser treats
    a string that looks like a URL or a file name as something to open.
    """
    import feedparser

    data = text.encode("utf-8") if isinstance(text, str) else text
    # No content-location: feedparser would then rewrite plain guids ("g1") into URLs
    # relative to wherever the feed was fetched from, and ids must not depend on that.
    headers: dict[str, str] = {}
    if content_type:
        headers["content-type"] = content_type
    if isinstance(text, str):
        # The text is already decoded: tell feedparser so, whatever the XML declaration says.
        headers["content-type"] = "application/xml; charset=utf-8"
        data = re.sub(rb"""^(\s*<\?xml[^>]*?)\sencoding=["'][^"']*["']""", rb"\1", data, count=1)
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers, sanitize_html=True)
    version = parsed.get("version") or ""
    if not parsed.entries and (parsed.bozo or not version):
        log.info("not a feed: %s (%s)", url, parsed.get("bozo_exception"))
        if not version:
            raise FeedError(url, "it is not an RSS or Atom feed")
        raise FeedError(url, "the feed is malformed and has no readable entries")
    if parsed.bozo:
        log.info("feed %s is not well-formed, read anyway: %s", url, parsed.get("bozo_exception"))
    feed = parsed.feed
    entries = tuple(_entry(e, url) for e in parsed.entries)
    return ParsedFeed(
        url=url,
        title=_plain(feed.get("title")),
        link=_absolute(feed.get("link"), url),
        entries=entries,
        version=version,
    )


def _absolute(link: str | None, base: str) -> str | None:
    """The link made absolute, or None unless it is a web address.

    Links become article URLs that chat renders clickable, so a feed's ``javascript:``,
    ``data:`` or ``file:`` link must not survive.
    """
    link = (link or "").strip()
    if not link:
        return None
    absolute = urljoin(base, link)
    return absolute if urlsplit(absolute).scheme.lower() in ("http", "https") else None


def _entry(entry, feed_url: str) -> FeedEntry:
    summary = html_to_text(entry.get("summary") or "")
    contents = [c.get("value") or "" for c in entry.get("content") or []]
    content = max((html_to_text(c) for c in contents), key=len, default="") or None
    title = _plain(entry.get("title"))
    link = _absolute(entry.get("link"), feed_url)
    return FeedEntry(
        id=_entry_id(entry, title, link, content or summary),
        title=title,
        link=link,
        published=_entry_date(entry),
        summary=summary,
        content=content,
        author=_plain(entry.get("author")),
    )


def _entry_id(entry, title: str | None, link: str | None, text: str) -> str:
    given = (entry.get("id") or "").strip()
    if given:
        return given
    if link:
        return link
    digest = hashlib.sha256(f"{title or ''}\0{text}".encode()).hexdigest()[:32]
    return f"sha256:{digest}"


def _entry_date(entry) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)
    return None


def _plain(value: str | None) -> str | None:
    if not value:
        return None
    text = html_to_text(value) if "<" in value else value
    text = " ".join(text.split())
    return text or None


def _host(url: str | None) -> str | None:
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


# --------------------------------------------------------------------------- polling


async def poll_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    policy: FetchPolicy | None = None,
    client: httpx.AsyncClient | None = None,
) -> FeedPoll:
    """Fetch a feed with If-None-Match / If-Modified-Since; 304 gives ``not_modified``."""
    policy = policy or FetchPolicy.from_env()
    result = await fetch(url, policy=policy, client=client, etag=etag, last_modified=last_modified)
    if result.not_modified:
        return FeedPoll(
            url=result.url,
            entries=(),
            not_modified=True,
            etag=result.etag or etag,
            last_modified=result.last_modified or last_modified,
        )
    feed = await asyncio.to_thread(
        parse_feed, result.content, result.url, content_type=result.headers.get("content-type")
    )
    return FeedPoll(
        url=result.url,
        entries=feed.entries,
        title=feed.title,
        etag=result.etag,
        last_modified=result.last_modified,
    )


# --------------------------------------------------------------------------- articles


def entry_dek(entry: FeedEntry, body: str) -> str | None:
    """The entry's description as a standfirst, when it is one.

    A description is a dek when it is short, whole (not a teaser cut off with "…") and
    not merely the opening of the story's text, which is then the lead instead.
    """
    description = " ".join(entry.summary.split())
    if not description or description == " ".join(body.split()):
        return None
    if description.endswith(("…", "...", "[…]")) or _TEASER_END.search(description):
        return None
    if not headlines.MIN_DEK_WORDS <= len(description.split()) <= headlines.MAX_DEK_WORDS:
        return None
    if entry.title and headlines.same_text(description, entry.title):
        return None
    paragraphs = [p for p in body.splitlines() if p.strip()]
    return None if headlines.is_lead_copy(description, paragraphs) else description


def entry_article(entry: FeedEntry, *, source: str | None = None) -> Article:
    """An article made of what the feed itself says about the entry."""
    original = entry.text
    text, offsets = clean(original)
    return Article(
        text=text,
        original=original,
        offsets=offsets,
        title=entry.title,
        url=entry.link,
        source=source or _host(entry.link),
        author=entry.author,
        published=entry.published,
        dek=entry_dek(entry, text) if entry.content else None,
        language=language.detect(text),
    )


async def feed_articles(
    feed: ParsedFeed,
    *,
    policy: FetchPolicy | None = None,
    client: httpx.AsyncClient | None = None,
    max_entries: int | None = None,
    concurrency: int = COMPLETION_CONCURRENCY,
) -> list[Article]:
    """The feed's (first ``max_entries``) entries as articles, teasers completed."""
    entries = feed.entries[:max_entries] if max_entries else feed.entries
    if len(entries) < len(feed.entries):
        log.info("feed %s: briefing the first %d of %d entries", feed.url, len(entries), len(feed.entries))
    return await entry_articles(entries, source=feed.source, policy=policy, client=client, concurrency=concurrency)


async def entry_articles(
    entries: Iterable[FeedEntry],
    *,
    source: str | None = None,
    policy: FetchPolicy | None = None,
    client: httpx.AsyncClient | None = None,
    concurrency: int = COMPLETION_CONCURRENCY,
) -> list[Article]:
    """Entries as articles (in order), each teaser replaced by its page's story.

    The feed poller calls this with just the new entries of a :class:`FeedPoll`. An
    entry whose page cannot be fetched or read keeps its teaser (and is logged), so one
    dead link never costs the rest of the feed.
    """
    policy = policy or FetchPolicy.from_env()
    entries = list(entries)
    if client is None:
        async with make_client(policy) as own:
            return await entry_articles(entries, source=source, policy=policy, client=own, concurrency=concurrency)
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(entry: FeedEntry) -> Article:
        teaser = entry_article(entry, source=source)
        if not entry.is_teaser or not entry.link:
            return teaser
        async with gate:
            return await _complete(entry, teaser, policy, client)

    return list(await asyncio.gather(*(one(e) for e in entries)))


async def _complete(entry: FeedEntry, teaser: Article, policy: FetchPolicy, client: httpx.AsyncClient) -> Article:
    """Replace a teaser by its page's article, keeping the feed's metadata as fallback."""
    assert entry.link is not None
    try:
        result = await fetch(entry.link, policy=policy, client=client)
        if result.content_type not in HTML_TYPES | TEXT_TYPES:
            raise FeedError(result.url, f"the entry's link is {result.content_type}, not a page")
        # trafilatura is CPU-bound: keep it off the event loop the bot answers on
        page = await asyncio.to_thread(_page_article, result.text, result.url, result.content_type)
    except FetchError as exc:
        log.warning("keeping the teaser for feed entry %s: %s", entry.link, exc)
        return teaser
    if len(page.text.split()) <= len(teaser.text.split()):
        log.info("page of %s is no longer than its teaser; keeping the teaser", entry.link)
        return teaser
    return Article(
        text=page.text,
        original=page.original,
        offsets=page.offsets,
        title=page.title or teaser.title,
        url=entry.link,
        source=page.source or teaser.source,
        author=page.author or teaser.author,
        published=page.published or teaser.published,
        dek=page.dek or entry_dek(entry, page.text),
        language=page.language,
    )


def _page_article(text: str, url: str, content_type: str) -> Article:
    if content_type in HTML_TYPES:
        return article_from_html(text, url=url)
    from briefings.loading import article_from_text

    return article_from_text(text, url=url, source=_host(url))
