"""A small registry of component states, for health checks and metrics (``bot/ops``).

Components report themselves (``database``, ``workers``, ``scheduler``, ``discord``,
``slack`` ...) with ``set``; ops code reads ``snapshot()`` and ``ready()``. Counters
(``incr``) let metrics expose what the core did without the core importing
prometheus.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone


@dataclass(frozen=True)
class ComponentState:
    name: str
    ok: bool
    detail: str = ""
    since: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


class StatusRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, ComponentState] = {}
        self._counters: dict[str, int] = {}

    def set(self, name: str, ok: bool, detail: str = "") -> None:
        with self._lock:
            old = self._states.get(name)
            if old is not None and old.ok == ok and old.detail == detail:
                return
            self._states[name] = ComponentState(name, ok, detail)

    def snapshot(self) -> dict[str, ComponentState]:
        with self._lock:
            return dict(self._states)

    def ready(self) -> bool:
        """Every registered component is ok (and at least one is registered)."""
        with self._lock:
            return bool(self._states) and all(s.ok for s in self._states.values())

    def incr(self, counter: str, by: int = 1) -> None:
        with self._lock:
            self._counters[counter] = self._counters.get(counter, 0) + by

    def counters(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counters)


#: The process-wide registry the runner, the scheduler and the adapters report to.
STATUS = StatusRegistry()
