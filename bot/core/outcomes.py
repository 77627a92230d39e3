"""Outcomes as types: what a command, a digest attempt or a feed poll came to.

They are set where the outcome is known (the command layer, the scheduler, the fetch
error's class) and read by logs and metrics, which never parse the sentences shown to
people. ``Observer`` is how the core reports them: the runner passes one that counts
Prometheus metrics (``bot.ops.metrics.PrometheusObserver``); tests and the console use
the silent default.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class CommandOutcome(StrEnum):
    OK = "ok"
    INVALID = "invalid"  # wrong input, a dead link, a refused URL: the reply says what
    DENIED = "denied"  # the user may not change this channel's settings
    UNAVAILABLE = "unavailable"  # restarting, or no such command
    ERROR = "error"  # our bug: logged with its traceback


class DigestOutcome(StrEnum):
    """What one ``DigestScheduler.run_due`` call did."""

    POSTED = "posted"  # every message of the digest is delivered
    RETRYING = "retrying"  # an attempt failed; the next sweep tries again within the grace
    FAILED = "failed"  # finally failed: its stories go to the next digest
    SKIPPED = "skipped"  # missed beyond the grace period (never claimed)
    GIVEN_BACK = "given-back"  # claimed but unfinished beyond the grace: its stories go to the next
    DONE = "done"  # already posted, skipped or failed (or another process is on it)
    NONE = "none"  # nothing due
    NO_DELIVERER = "no-deliverer"  # this process does not serve that platform
    NOT_LEADER = "not-leader"  # another replica schedules digests
    ERROR = "error"  # an unexpected failure outside an attempt (logged)


class DigestEvent(StrEnum):
    """Steps of a digest's life worth a log line and a metric each."""

    CLAIMED = "claimed"
    RESUMED = "resumed"  # after a restart (or a failed attempt), from its first unsent message
    RETRY = "retry"
    POSTED = "posted"
    FAILED = "failed"
    GIVEN_BACK = "given-back"
    SKIPPED = "skipped"


class Observer(Protocol):
    """Receives typed outcomes as they happen; implementations must be cheap and never raise."""

    def command(self, platform: str, command: str, outcome: CommandOutcome) -> None: ...

    def digest(self, platform: str, event: DigestEvent) -> None: ...

    def digest_outcome(self, platform: str, outcome: DigestOutcome) -> None: ...

    def feed_fetch(self, failure: str | None) -> None:
        """One feed poll: ``None`` when it worked, else the failure kind (``FailureKind`` value)."""
        ...

    def brief_seconds(self, seconds: float, *, cache_hit: bool) -> None: ...

    def worker_queue(self, delta: int) -> None: ...


class NullObserver:
    """The default: outcomes are only logged."""

    def command(self, platform: str, command: str, outcome: CommandOutcome) -> None:
        pass

    def digest(self, platform: str, event: DigestEvent) -> None:
        pass

    def digest_outcome(self, platform: str, outcome: DigestOutcome) -> None:
        pass

    def feed_fetch(self, failure: str | None) -> None:
        pass

    def brief_seconds(self, seconds: float, *, cache_hit: bool) -> None:
        pass

    def worker_queue(self, delta: int) -> None:
        pass
