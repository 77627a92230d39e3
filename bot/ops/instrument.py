"""Metrics for the core's objects without the core importing prometheus_client.

The core counts a few things in ``bot.core.status.STATUS`` (exported as
``briefbot_events_total``); the typed metrics an operator dashboards on (commands by name
and outcome, digests posted, feed fetches and failures, brief latency, worker queue
depth) are recorded here by wrapping, per instance, the few methods every such event
passes through. The runner makes one call once the objects exist::

    from bot.ops.instrument import instrument
    instrument(service=core.service, briefer=core.briefer, cache=core.cache,
               poller=poller, scheduler=scheduler)

Each wrapper calls the original and only observes (timing, result); it never changes
arguments, results or exceptions. Calling ``instrument`` twice on an object is a no-op.
"""

from __future__ import annotations

import contextvars
import functools
import time
from typing import Any

from bot.ops import metrics

_MARK = "_briefbot_instrumented"
#: Set while a BriefCache call is running, so the briefer wrapper can tell it a miss happened.
_missed: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("briefbot_brief_missed", default=None)


def _wrap(obj: Any, name: str, make: Any) -> None:
    original = getattr(obj, name, None)
    if original is None or getattr(original, _MARK, False):
        return
    wrapper = make(original)
    functools.update_wrapper(wrapper, original)
    setattr(wrapper, _MARK, True)
    setattr(obj, name, wrapper)


def _command_outcome(reply: Any) -> str:
    if not getattr(reply, "error", False):
        return "ok"
    text = (getattr(reply, "text", "") or "").lower()
    if "only people who can manage" in text:
        return "denied"
    if "failed on our side" in text:
        return "error"
    return "invalid"


def instrument_service(service: Any) -> None:
    """COMMANDS{platform, command, outcome} for each answered command."""

    def make(handle: Any) -> Any:
        async def handle_counted(inv: Any) -> Any:
            try:
                reply = await handle(inv)
            except Exception:
                metrics.record_command(inv.channel.platform, inv.command, "error")
                raise
            metrics.record_command(inv.channel.platform, inv.command, _command_outcome(reply))
            return reply

        return handle_counted

    _wrap(service, "handle", make)


def instrument_briefer(briefer: Any) -> None:
    """WORKER_QUEUE: briefs waiting for or running in the pool; marks cache misses."""

    def make(brief: Any) -> Any:
        async def brief_queued(articles: Any, *args: Any, **kwargs: Any) -> Any:
            missed = _missed.get()
            if missed is not None:
                missed.append(True)
            metrics.WORKER_QUEUE.inc(len(articles))
            try:
                return await brief(articles, *args, **kwargs)
            finally:
                metrics.WORKER_QUEUE.dec(len(articles))

        return brief_queued

    _wrap(briefer, "brief", make)


def instrument_cache(cache: Any) -> None:
    """BRIEF_SECONDS{cache=hit|miss}: how long asking for briefs took, and whether the
    workers were needed (a miss) or the database had them all (a hit)."""

    def make(briefs: Any) -> Any:
        async def briefs_timed(*args: Any, **kwargs: Any) -> Any:
            missed: list[bool] = []
            token = _missed.set(missed)
            started = time.perf_counter()
            try:
                return await briefs(*args, **kwargs)
            finally:
                _missed.reset(token)
                metrics.BRIEF_SECONDS.labels(cache="miss" if missed else "hit").observe(time.perf_counter() - started)

        return briefs_timed

    _wrap(cache, "briefs", make)


def instrument_poller(poller: Any) -> None:
    """FEED_FETCHES{outcome} and FEED_FAILURES{kind} for each feed poll."""

    def make(poll: Any) -> Any:
        async def poll_counted(*args: Any, **kwargs: Any) -> Any:
            result = await poll(*args, **kwargs)
            error = getattr(result, "error", None)
            if error:
                lowered = str(error).lower()
                kind = ("timeout" if "time" in lowered and "out" in lowered
                        else "http" if "http" in lowered or "status" in lowered
                        else "parse" if "pars" in lowered or "feed" in lowered else "other")
                metrics.record_feed_fetch(False, kind)
            else:
                metrics.record_feed_fetch(True)
            return result

        return poll_counted

    _wrap(poller, "poll", make)


#: DigestScheduler.run_due outcomes that are not a post, as DIGESTS_SKIPPED reasons.
_DIGEST_SKIPS = {"failed": "error", "skipped": "too_late", "no-deliverer": "no_deliverer",
                 "not-leader": "not_leader"}


def instrument_scheduler(scheduler: Any) -> None:
    """DIGESTS_POSTED{platform} and DIGESTS_SKIPPED{reason} from each digest attempt."""

    def make(run_due: Any) -> Any:
        async def run_due_counted(channel: str, *args: Any, **kwargs: Any) -> Any:
            outcome = await run_due(channel, *args, **kwargs)
            if outcome == "posted":
                metrics.DIGESTS_POSTED.labels(platform=channel.partition(":")[0] or "unknown").inc()
            elif outcome in _DIGEST_SKIPS:
                metrics.DIGESTS_SKIPPED.labels(reason=_DIGEST_SKIPS[outcome]).inc()
            return outcome

        return run_due_counted

    _wrap(scheduler, "run_due", make)


def instrument(*, service: Any = None, briefer: Any = None, cache: Any = None,
               poller: Any = None, scheduler: Any = None) -> None:
    """Wrap whichever of the core's objects are given (see the module docstring)."""
    if service is not None:
        instrument_service(service)
    if briefer is not None:
        instrument_briefer(briefer)
    if cache is not None:
        instrument_cache(cache)
    if poller is not None:
        instrument_poller(poller)
    if scheduler is not None:
        instrument_scheduler(scheduler)
