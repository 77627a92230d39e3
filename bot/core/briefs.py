"""Briefs by content: the cache in front of the worker pool.

An article is briefed once however many channels, URLs or commands reach it: the
database holds briefs by ``Article.content_key`` (and summary length), and briefs
being computed right now are shared in memory, so two channels asking at once wait
on one worker call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace

from bot.core.clock import Clock
from bot.core.outcomes import NullObserver, Observer
from bot.core.workers import Briefer
from bot.storage.codec import brief_from_json, brief_to_json
from bot.storage.db import Store
from briefings.model import Article, Brief

log = logging.getLogger(__name__)

DEFAULT_SENTENCES = 3


class _Abandoned(Exception):
    """The request computing a brief was cancelled; those waiting on it compute it themselves."""


class BriefCache:
    def __init__(self, store: Store, briefer: Briefer, clock: Clock, *, observer: Observer | None = None) -> None:
        self.store = store
        self.briefer = briefer
        self.clock = clock
        self.observer: Observer = observer or NullObserver()
        self._inflight: dict[tuple[str, int], asyncio.Future[Brief]] = {}

    async def briefs(self, articles: list[Article], sentences: int = DEFAULT_SENTENCES) -> list[Brief]:
        """Briefs in the order of ``articles``; only content never seen goes to the workers.

        Reports how long it took, and whether the workers were needed (a miss) or the
        database had them all (a hit)."""
        started = time.perf_counter()
        missed: list[bool] = []
        try:
            return await self._briefs(articles, sentences, missed)
        finally:
            self.observer.brief_seconds(time.perf_counter() - started, cache_hit=not missed)

    async def _briefs(self, articles: list[Article], sentences: int, missed: list[bool]) -> list[Brief]:
        keys = [a.content_key for a in articles]
        cached = await self.store.run(self.store.cached_briefs, list(set(keys)), sentences)
        result: dict[str, Brief] = {}
        for key, text in cached.items():
            result[key] = brief_from_json(text)
        waits: dict[str, tuple[asyncio.Future[Brief], Article]] = {}
        todo: dict[str, Article] = {}
        for article, key in zip(articles, keys):
            if key in result or key in waits or key in todo:
                continue
            pending = self._inflight.get((key, sentences))
            if pending is not None:
                waits[key] = (pending, article)
            else:
                todo[key] = article
        if todo:
            missed.append(True)
            await self._compute(todo, sentences, result)
        abandoned: list[Article] = []
        for key, (fut, article) in waits.items():
            try:
                result[key] = await asyncio.shield(fut)
            except _Abandoned:
                abandoned.append(article)
        if abandoned:  # whoever was computing them was cancelled: compute them here
            for article, brief in zip(abandoned, await self._briefs(abandoned, sentences, missed)):
                result[article.content_key] = brief
        out = []
        for article, key in zip(articles, keys):
            brief = result[key]
            # The cached brief may have been reached through another URL: show this one.
            if article.url and brief.article.url != article.url:
                brief = replace(brief, article=replace(brief.article, url=article.url))
            out.append(brief)
        return out

    async def _compute(self, todo: dict[str, Article], sentences: int, result: dict[str, Brief]) -> None:
        loop = asyncio.get_running_loop()
        futures = {key: loop.create_future() for key in todo}
        for key, fut in futures.items():
            self._inflight[(key, sentences)] = fut
        try:
            self.observer.worker_queue(len(todo))
            try:
                briefs = await self.briefer.brief(list(todo.values()), sentences)
            finally:
                self.observer.worker_queue(-len(todo))
            now = self.clock.now()
            for key, brief in zip(todo, briefs):
                result[key] = brief
                await self.store.run(self.store.store_brief, key, sentences, brief_to_json(brief), now)
                futures[key].set_result(brief)
        except BaseException as exc:
            # A cancelled requester must not cancel the others waiting on its work.
            shared = _Abandoned() if isinstance(exc, asyncio.CancelledError) else exc
            for fut in futures.values():
                if not fut.done():
                    fut.set_exception(shared)
                    fut.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        finally:
            for key in todo:
                self._inflight.pop((key, sentences), None)

    async def brief_one(
        self, article: Article, sentences: int = DEFAULT_SENTENCES, *, also_url: str | None = None
    ) -> Brief:
        """Brief one article and remember its URL (and the URL as typed, before redirects)."""
        brief = (await self.briefs([article], sentences))[0]
        for url in dict.fromkeys(u.strip() for u in (article.url, also_url) if u and u.strip()):
            await self.store.run(self.store.remember_article, url, article.content_key, article.title, self.clock.now())
        return brief

    async def cached_for_url(self, url: str) -> Brief | None:
        """Any cached brief of the article last read at ``url`` (for /quotes autocomplete)."""
        key = await self.store.run(self.store.content_key_for, url.strip())
        if key is None:
            return None
        text = await self.store.run(self.store.any_cached_brief, key)
        return brief_from_json(text) if text else None
