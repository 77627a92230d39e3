"""Where articles and feeds come from: thin wrappers over the briefing library.

Fetching stays async on the event loop (it is I/O); only the NLP goes to the worker
pool. Every failure becomes ``SourceError`` with a sentence a chat user can read.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import httpx

from briefings.feeds import FeedEntry, FeedPoll, ParsedFeed, feed_articles, poll_feed
from briefings.fetching import FetchError, FetchPolicy, make_client
from briefings.loading import LoadError, load_path
from briefings.model import Article
from briefings.remote import load_url

log = logging.getLogger(__name__)

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


class SourceError(Exception):
    """An article or feed could not be had; ``str()`` is for the user."""


@dataclass(frozen=True)
class Sources:
    """Loads articles and polls feeds under one fetch policy and HTTP client."""

    policy: FetchPolicy
    client: httpx.AsyncClient | None = None
    allow_files: bool = False  # the terminal may brief local files; chat users may not

    @classmethod
    def create(cls, allow_hosts: str | None = None, *, allow_files: bool = False) -> "Sources":
        env = {"BRIEFBOT_FETCH_ALLOW_HOSTS": allow_hosts} if allow_hosts else None
        return cls(policy=FetchPolicy.from_env(env), client=None, allow_files=allow_files)

    def with_client(self) -> "Sources":
        return Sources(self.policy, make_client(self.policy), self.allow_files)

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    async def article(self, ref: str) -> Article:
        """The article at a URL (or, in the terminal, a file path)."""
        ref = ref.strip().strip("<>")
        if not _SCHEME.match(ref):
            if self.allow_files and Path(ref).exists():
                return await self._file(ref)
            if self.allow_files:
                raise SourceError(f"{ref} is neither an http(s) URL nor a file that exists.")
            raise SourceError(f"{ref} is not a URL: give a link starting with https://")
        try:
            articles = await load_url(ref, policy=self.policy, client=self.client, max_entries=1)
        except FetchError as exc:
            log.info("article %s: %s", ref, exc)
            raise SourceError(user_sentence(str(exc))) from None
        if not articles:
            raise SourceError(f"No article text was found at {ref}.")
        return articles[0]

    async def _file(self, ref: str) -> Article:
        try:
            articles = await asyncio.to_thread(load_path, ref)
        except LoadError as exc:
            raise SourceError(user_sentence(str(exc))) from None
        if not articles:
            raise SourceError(f"No article was found in {ref}.")
        return articles[0]

    async def poll(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FeedPoll:
        """A conditional GET of a feed, parsed (``FeedError`` if it is not a feed)."""
        return await poll_feed(url, etag=etag, last_modified=last_modified, policy=self.policy, client=self.client)

    async def entry_articles(
        self, url: str, title: str | None, entries: list[FeedEntry], concurrency: int = 2
    ) -> list[Article]:
        """Articles for feed entries, teasers completed from their pages."""
        feed = ParsedFeed(url=url, title=title, link=None, entries=tuple(entries))
        return await feed_articles(feed, policy=self.policy, client=self.client, concurrency=concurrency)


def user_sentence(text: str) -> str:
    """A library error message as a sentence: capitalised, with a full stop."""
    text = text.strip()
    text = text[0].upper() + text[1:] if text else "That could not be loaded"
    return text if text.endswith((".", "!", "?")) else text + "."
