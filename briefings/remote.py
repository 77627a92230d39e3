"""``load_url``: whatever a user pasted (a news page or a feed) as articles.

The content type says what came back, but servers get it wrong often enough (feeds
served as text/html, pages as application/xml), so the document's root element has
the last word.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from briefings.feeds import FeedError, feed_articles, looks_like_feed, parse_feed
from briefings.fetching import (
    FEED_TYPES,
    HTML_TYPES,
    FetchPolicy,
    FetchResult,
    fetch,
    make_client,
)
from briefings.model import Article
from briefings.webpages import article_from_html

log = logging.getLogger(__name__)

#: A feed can list hundreds of stories; a chat brief of the newest few is what is useful.
DEFAULT_MAX_ENTRIES = 25


def document_kind(result: FetchResult) -> str:
    """``feed``, ``html`` or ``text``: how to read a fetched document."""
    if looks_like_feed(result.content or result.text):
        return "feed"
    if result.content_type in FEED_TYPES:
        head = (result.text[:2048] or "").lstrip().lower()
        return "html" if head.startswith(("<!doctype html", "<html")) else "feed"
    if result.content_type in HTML_TYPES:
        return "html"
    head = result.text[:2048].lstrip().lower()
    if head.startswith(("<!doctype html", "<html")):
        return "html"
    return "text"


@dataclass(frozen=True)
class UrlLoad:
    """What a URL gave: its articles and, for a feed, how many entries it listed."""

    articles: list[Article] = field(default_factory=list)
    entries: int = 0

    @property
    def left_out(self) -> int:
        """Feed entries not briefed because of the entry limit."""
        return max(0, self.entries - len(self.articles))


async def load_url(
    url: str,
    *,
    policy: FetchPolicy | None = None,
    client: httpx.AsyncClient | None = None,
    max_entries: int | None = DEFAULT_MAX_ENTRIES,
) -> list[Article]:
    """Fetch ``url``: a page gives one article, a feed its (newest) entries.

    Every failure is a :class:`briefings.fetching.FetchError` whose ``str()`` is one
    sentence for the user.
    """
    return (await load_url_counted(url, policy=policy, client=client, max_entries=max_entries)).articles


async def load_url_counted(
    url: str,
    *,
    policy: FetchPolicy | None = None,
    client: httpx.AsyncClient | None = None,
    max_entries: int | None = DEFAULT_MAX_ENTRIES,
) -> UrlLoad:
    """:func:`load_url`, also saying how many entries a feed had (``None``: all of them)."""
    policy = policy or FetchPolicy.from_env()
    if client is None:
        async with make_client(policy) as own:
            return await load_url_counted(url, policy=policy, client=own, max_entries=max_entries)
    result = await fetch(url, policy=policy, client=client)
    kind = document_kind(result)
    log.info("loaded %s (%s, %d bytes) as %s", result.url, result.content_type, len(result.content), kind)
    if kind == "feed":
        feed = await asyncio.to_thread(
            parse_feed, result.content, result.url, content_type=result.headers.get("content-type")
        )
        if not feed.entries:
            raise FeedError(result.url, "the feed has no entries")
        articles = await feed_articles(feed, policy=policy, client=client, max_entries=max_entries)
        return UrlLoad(articles, entries=len(feed.entries))
    if kind == "html":
        # trafilatura is CPU-bound: keep it off the event loop the bot answers on
        return UrlLoad([await asyncio.to_thread(article_from_html, result.text, url=result.url)])
    from briefings.loading import article_from_text

    host = urlsplit(result.url).hostname
    return UrlLoad([article_from_text(result.text, url=result.url, source=host)])
