"""Graceful shutdown on SIGTERM/SIGINT: stop taking work, finish or hand back what is in
flight within a bounded time, close resources in order, exit 0.

``docker stop`` sends SIGTERM and, 10 s later by default, SIGKILL; the grace period here
therefore defaults to 8 s so the process finishes on its own terms.

Wiring in the runner::

    shutdown = GracefulShutdown(grace=settings.shutdown_grace, health=health)
    shutdown.install()                                   # SIGTERM/SIGINT handlers
    shutdown.add_step("platforms", stop_adapters)        # steps run in the order added
    shutdown.add_step("scheduler", lambda: scheduler.shutdown(wait=False))
    shutdown.add_step("in-flight", shutdown.drain)       # wait for tracked work
    shutdown.add_step("leader", elector.stop)
    shutdown.add_step("workers", pool.close)
    shutdown.add_step("database", engine.dispose)
    shutdown.add_step("health", server.stop)
    await shutdown.wait()                                # until a signal (or request_stop())
    await shutdown.run_steps()                           # bounded by ``grace`` in total
    return 0

and around each unit of work that must not be cut in half::

    async with shutdown.in_flight("digest"):             # refuses new work once stopping
        ...
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_GRACE = 8.0
Step = Callable[[], Awaitable[Any] | Any]


class ShuttingDown(RuntimeError):
    """New work was refused because the process is stopping."""


class GracefulShutdown:
    def __init__(self, *, grace: float = DEFAULT_GRACE, health: Any = None) -> None:
        self.grace = grace
        self.health = health
        self.signal_name: str | None = None
        self._event = asyncio.Event()
        self._steps: list[tuple[str, Step, float | None]] = []
        self._in_flight: dict[int, str] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self._next_id = 0
        self._deadline: float | None = None
        self._signals: list[int] = []

    # --- signals ----------------------------------------------------------------

    def install(self, signals: tuple[int, ...] = (signal.SIGTERM, signal.SIGINT)) -> None:
        """Route ``signals`` to :meth:`request_stop` on the running loop. A second signal
        while stopping exits at once (status 1): the operator insisted."""
        loop = asyncio.get_running_loop()
        for sig in signals:
            loop.add_signal_handler(sig, self._on_signal, sig)
            self._signals.append(sig)

    def uninstall(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in self._signals:
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(sig)
        self._signals.clear()

    def _on_signal(self, sig: int) -> None:
        name = signal.Signals(sig).name
        if self._event.is_set():
            log.warning("second %s while stopping: exiting now", name)
            logging.shutdown()
            os._exit(1)
        self.signal_name = name
        log.info("%s received: stopping (up to %gs for work in flight)", name, self.grace)
        self.request_stop(f"shutting down ({name})")

    def request_stop(self, reason: str = "shutting down") -> None:
        """Begin stopping: /healthz turns 503, :meth:`in_flight` refuses new work."""
        if self._event.is_set():
            return
        self._deadline = time.monotonic() + self.grace
        if self.health is not None:
            self.health.set_draining(reason)
        self._event.set()

    @property
    def stopping(self) -> bool:
        return self._event.is_set()

    async def wait(self) -> None:
        """Until a stop is requested."""
        await self._event.wait()

    def remaining(self) -> float:
        """Seconds left of the grace period (the full period before a stop is requested)."""
        if self._deadline is None:
            return self.grace
        return max(0.0, self._deadline - time.monotonic())

    # --- work in flight ---------------------------------------------------------

    @contextlib.asynccontextmanager
    async def in_flight(self, what: str) -> AsyncIterator[None]:
        """Track one unit of work; raise :class:`ShuttingDown` instead if stopping."""
        if self.stopping:
            raise ShuttingDown(f"not starting {what}: the bot is shutting down")
        ident = self._next_id
        self._next_id += 1
        self._in_flight[ident] = what
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight.pop(ident, None)
            if not self._in_flight:
                self._idle.set()

    @property
    def busy(self) -> list[str]:
        return list(self._in_flight.values())

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait for tracked work to finish, at most ``timeout`` (default: the grace left).
        False when work was still running at the end; it is then abandoned, never half-
        committed, as long as each unit writes its state in one transaction."""
        timeout = self.remaining() if timeout is None else timeout
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            log.warning(
                "shutdown: %d task(s) still running after %.1fs: %s",
                len(self._in_flight),
                timeout,
                ", ".join(self.busy),
            )
            return False

    # --- ordered cleanup --------------------------------------------------------

    def add_step(self, name: str, step: Step, *, timeout: float | None = None) -> None:
        """Add a cleanup step, run after earlier ones; ``timeout`` caps it (default: the
        grace period left, but at least 1 s so every resource gets a chance to close)."""
        self._steps.append((name, step, timeout))

    async def run_steps(self) -> bool:
        """Run every step in order, each bounded; never raises. True if all finished."""
        self.request_stop()
        clean = True
        for name, step, timeout in self._steps:
            limit = timeout if timeout is not None else max(1.0, self.remaining())
            started = time.monotonic()
            try:
                result = step()
                if inspect.isawaitable(result):
                    await asyncio.wait_for(result, limit)
                log.debug("shutdown step %s done in %.2fs", name, time.monotonic() - started)
            except asyncio.TimeoutError:
                clean = False
                log.warning("shutdown step %s did not finish within %.1fs; going on", name, limit)
            except Exception as err:
                clean = False
                log.warning("shutdown step %s failed: %s", name, err)
        log.info("stopped%s", "" if clean else " (some steps did not finish cleanly)")
        return clean
