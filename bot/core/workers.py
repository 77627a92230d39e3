"""The worker pool: heavy NLP runs in other processes, never on the event loop.

Each worker loads spaCy once (the pool initializer) and then briefs whatever batches it
is sent. The pool uses the ``spawn`` start method: forking a process that already runs
an event loop, threads and database connections is unsafe, and spawn behaves the same
on every OS. Articles and briefs are frozen dataclasses, so they pickle cheaply.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Protocol

from briefings.model import Article, Brief

log = logging.getLogger(__name__)

_worker_model: str | None = None


class Briefer(Protocol):
    """Turns articles into briefs somewhere other than the event loop."""

    calls: int  # batches sent, for metrics and tests
    articles_briefed: int

    async def brief(self, articles: list[Article], sentences: int) -> list[Brief]: ...

    def close(self) -> None: ...


def _init_worker(model: str | None) -> None:
    """Pool initializer: load the model once per worker process."""
    global _worker_model
    import logging as _logging

    _logging.getLogger("spacy").setLevel(_logging.ERROR)
    from briefings.nlp import load

    load(model)
    _worker_model = model


def _brief_batch(articles: list[Article], sentences: int) -> list[Brief]:
    """Runs in a worker: one ``nlp.pipe`` pass over the batch."""
    from briefings.engine import brief_articles
    from briefings.nlp import load

    return brief_articles(articles, sentences=sentences, nlp=load(_worker_model))


class _ExecutorBriefer:
    def __init__(self, executor: Executor) -> None:
        self._executor = executor
        self.calls = 0
        self.articles_briefed = 0

    async def brief(self, articles: list[Article], sentences: int) -> list[Brief]:
        if not articles:
            return []
        self.calls += 1
        self.articles_briefed += len(articles)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, _brief_batch, list(articles), sentences)
        except BrokenExecutor:
            # A worker died (out of memory, killed): start a fresh pool and try once more.
            log.error("the worker pool broke; restarting it")
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._new_executor()
            return await loop.run_in_executor(self._executor, _brief_batch, list(articles), sentences)

    def _new_executor(self) -> Executor:
        raise NotImplementedError

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


class ProcessBriefer(_ExecutorBriefer):
    """The production pool: ``size`` spawned processes, each with its own spaCy."""

    def __init__(self, size: int = 1, model: str | None = None) -> None:
        self.size = size
        self.model = model
        super().__init__(self._new_executor())

    def _new_executor(self) -> Executor:
        return ProcessPoolExecutor(
            max_workers=self.size,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.model,),
        )

    def warm_up(self) -> None:
        """Start the workers now (so the first command does not pay for spaCy loading)."""
        futures = [self._executor.submit(_noop) for _ in range(self.size)]
        for f in futures:
            f.result()


class ThreadBriefer(_ExecutorBriefer):
    """One worker thread in this process: for tests that already hold a loaded model.

    Still off the event loop; only the process boundary is skipped.
    """

    def __init__(self, model: str | None = None) -> None:
        self.model = model
        super().__init__(self._new_executor())

    def _new_executor(self) -> Executor:
        return ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="briefer", initializer=_init_worker, initargs=(self.model,)
        )


def _noop() -> None:
    return None
