"""Every Prometheus metric Briefbot exports, defined once, imported where counted.

Usage from other modules (cheap; safe from any thread)::

    from bot.ops import metrics
    metrics.COMMANDS.labels(platform="discord", command="brief", outcome="ok").inc()
    metrics.DIGESTS_POSTED.labels(platform="slack").inc()
    metrics.FEED_FETCHES.labels(outcome="error").inc()
    with metrics.BRIEF_SECONDS.labels(cache="miss").time(): ...
    metrics.WORKER_QUEUE.set(pending)  # or WORKER_QUEUE.set_function(lambda: pool.pending)

or the helpers below, which keep label values to a known small set (a label per URL or per
user would make the series count unbounded).

The metrics live in prometheus_client's default registry, which also carries the process
collector (memory, CPU, open files) for free; :func:`exposition` renders it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, Metric

#: Outcomes a command can have (``bot.core.outcomes.CommandOutcome``); anything else is "error".
COMMAND_OUTCOMES = frozenset({"ok", "error", "denied", "invalid", "unavailable"})
#: Feed-failure kinds (``briefings.fetching.FailureKind``), plus "storage" (the poll could not be stored).
FEED_FAILURE_KINDS = frozenset(
    {
        "refused",
        "redirects",
        "too_large",
        "timeout",
        "http_status",
        "unsupported_content",
        "connect",
        "not_a_feed",
        "storage",
        "other",
    }
)
#: Commands by their canonical names (bot/core/interface.py); anything else is "other".
_COMMAND_NAME = re.compile(r"^[a-z][a-z _-]{0,30}$")

COMMANDS = Counter(
    "briefbot_commands",
    "Commands answered, by platform, command name and outcome (ok, error, denied, invalid).",
    ["platform", "command", "outcome"],
)
DIGESTS_POSTED = Counter(
    "briefbot_digests_posted",
    "Scheduled digests posted to a channel.",
    ["platform"],
)
DIGESTS_SKIPPED = Counter(
    "briefbot_digests_skipped",
    "Scheduled digests not posted, by reason (too_late, given_back, error, no_deliverer, not_leader).",
    ["reason"],
)
DIGEST_EVENTS = Counter(
    "briefbot_digest_events",
    "Steps of scheduled digests, by platform and event (claimed, resumed, retry, posted, failed, given-back, skipped).",
    ["platform", "event"],
)
FEED_FETCHES = Counter(
    "briefbot_feed_fetches",
    "Feed fetches, by outcome (ok, error).",
    ["outcome"],
)
FEED_FAILURES = Counter(
    "briefbot_feed_failures",
    "Feed fetches that failed, by kind (timeout, http_status, not_a_feed, connect, refused, ...).",
    ["kind"],
)
BRIEF_SECONDS = Histogram(
    "briefbot_brief_seconds",
    "Time from a brief being asked for to it being ready, by cache (hit, miss).",
    ["cache"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0),
)
WORKER_QUEUE = Gauge(
    "briefbot_worker_queue_depth",
    "Briefs waiting for or running in the NLP worker pool.",
)
LEADER = Gauge(
    "briefbot_leader",
    "1 while this process is the replica that schedules and posts digests, else 0.",
)
HEALTH_CHECK = Gauge(
    "briefbot_health_check_ok",
    "1 when the named health check passed at the last /healthz, else 0.",
    ["check"],
)
BUILD = Info("briefbot_build", "Briefbot version.")


def record_command(platform: str, command: str, outcome: str) -> None:
    """Count one answered command, with label values folded to a bounded set."""
    command = command.strip().lower()
    COMMANDS.labels(
        platform=platform or "unknown",
        command=command if _COMMAND_NAME.match(command) else "other",
        outcome=outcome if outcome in COMMAND_OUTCOMES else "error",
    ).inc()


def record_feed_fetch(ok: bool, kind: str = "other") -> None:
    """Count one feed fetch; ``kind`` says how a failure failed (a ``FailureKind`` value)."""
    FEED_FETCHES.labels(outcome="ok" if ok else "error").inc()
    if not ok:
        FEED_FAILURES.labels(kind=kind if kind in FEED_FAILURE_KINDS else "other").inc()


#: DigestOutcome values that are not a post, as DIGESTS_SKIPPED reasons.
_DIGEST_SKIPS = {
    "failed": "error",
    "skipped": "too_late",
    "given-back": "given_back",
    "no-deliverer": "no_deliverer",
    "not-leader": "not_leader",
    "error": "error",
}


class PrometheusObserver:
    """The core's typed outcomes (``bot.core.outcomes.Observer``) as Prometheus metrics."""

    def command(self, platform: str, command: str, outcome: str) -> None:
        record_command(platform, command, str(outcome))

    def digest(self, platform: str, event: str) -> None:
        DIGEST_EVENTS.labels(platform=platform or "unknown", event=str(event)).inc()
        if event == "posted":
            DIGESTS_POSTED.labels(platform=platform or "unknown").inc()

    def digest_outcome(self, platform: str, outcome: str) -> None:
        reason = _DIGEST_SKIPS.get(str(outcome))
        if reason is not None:
            DIGESTS_SKIPPED.labels(reason=reason).inc()

    def feed_fetch(self, failure: str | None) -> None:
        record_feed_fetch(failure is None, str(failure or "other"))

    def brief_seconds(self, seconds: float, *, cache_hit: bool) -> None:
        BRIEF_SECONDS.labels(cache="hit" if cache_hit else "miss").observe(seconds)

    def worker_queue(self, delta: int) -> None:
        WORKER_QUEUE.inc(delta)


def set_build_info() -> None:
    """Publish the installed package version once at start."""
    try:
        from importlib.metadata import version

        BUILD.info({"version": version("briefbot")})
    except Exception:  # not installed as a distribution (running from a checkout)
        BUILD.info({"version": "unknown"})


class CountersCollector:
    """Exposes a ``{name: count}`` snapshot as ``briefbot_events_total{event=name}``.

    For counts the core keeps itself (``bot.core.status.STATUS.counters``) without
    importing prometheus_client: ``metrics.REGISTRY.register(CountersCollector(STATUS.counters))``.
    """

    def __init__(self, snapshot: Callable[[], Mapping[str, int]]) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily("briefbot_events", "Events counted by the bot core.", labels=["event"])
        for name, count in sorted(self._snapshot().items()):
            family.add_metric([name], count)
        yield family

    def describe(self) -> list[Metric]:
        return []


_bridged: dict[int, CountersCollector] = {}


def bridge_counters(snapshot: Callable[[], Mapping[str, int]], registry: CollectorRegistry = REGISTRY) -> None:
    """Register a :class:`CountersCollector` for ``snapshot`` once (idempotent per callable)."""
    key = id(getattr(snapshot, "__self__", snapshot))
    if key not in _bridged:
        _bridged[key] = CountersCollector(snapshot)
        registry.register(_bridged[key])


def exposition(registry: CollectorRegistry = REGISTRY) -> tuple[bytes, str]:
    """The registry in Prometheus text format, and its content type."""
    return generate_latest(registry), CONTENT_TYPE_LATEST
