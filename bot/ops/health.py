"""Health and metrics over HTTP: /healthz (200 or 503 with the reason) and /metrics.

The runner owns what "healthy" means by registering named checks into a
:class:`HealthRegistry`; this module only runs them (concurrently, each bounded in time)
and reports. Two kinds of check:

* pull: a callable (sync or async) asked at each /healthz, e.g. "does the database answer
  SELECT 1", "is the scheduler running". It may return a :class:`CheckResult`, a bool,
  a ``(bool, reason)`` pair, or raise (which fails the check with the error as reason).
* push: a :class:`StatusCheck` (``registry.status(name)``) that code flips with ``up()`` /
  ``down(reason)`` as things happen. It starts down ("not connected yet").
* sources: the core's ``bot.core.status.STATUS`` snapshot (database, workers, scheduler,
  feeds), added once by ``bot.ops.runtime.Ops``; a component expected but not yet reported
  fails as "not started yet".

What ``briefbot run`` wires (``bot.runner``): ``Ops`` builds the registry with the STATUS
source and serves it; the runner registers ``database`` (``database_check``), one pull
check per chat platform (its ``is_ready``, or the reason it could not start) and the
leader election's ``check``; ``GracefulShutdown`` calls ``set_draining`` on SIGTERM.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from aiohttp import web

from bot.ops import metrics

log = logging.getLogger(__name__)

DEFAULT_PORT = 8080
DEFAULT_CHECK_TIMEOUT = 3.0


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict; ``reason`` says why in a sentence an operator can act on."""

    ok: bool
    reason: str = ""

    @classmethod
    def coerce(cls, value: Any) -> CheckResult:
        """Accepts the shapes a check may return (see module docstring)."""
        if isinstance(value, CheckResult):
            return value
        if isinstance(value, bool):
            return cls(value, "" if value else "failed")
        if isinstance(value, tuple) and len(value) == 2:
            return cls(bool(value[0]), str(value[1] or ""))
        if value is None:
            return cls(True)
        raise TypeError(f"a health check returned {type(value).__name__}, not a CheckResult/bool/(bool, reason)")


CheckValue = Union[CheckResult, bool, tuple[bool, str], None]
Check = Callable[[], Union[CheckValue, Awaitable[CheckValue]]]


class StatusCheck:
    """A push-style check: the code that knows flips it; /healthz reads the last state."""

    def __init__(self, name: str, initial: str = "not connected yet") -> None:
        self.name = name
        self._result = CheckResult(False, initial)
        self.changed_at = time.monotonic()

    def up(self, reason: str = "") -> None:
        """Mark healthy (optionally with a note, e.g. "connected as Briefbot#1234")."""
        self._set(CheckResult(True, reason))

    def down(self, reason: str) -> None:
        """Mark unhealthy with the reason an operator should read."""
        self._set(CheckResult(False, reason))

    def _set(self, result: CheckResult) -> None:
        if result != self._result:
            level = logging.INFO if result.ok else logging.WARNING
            log.log(
                level,
                "health %s: %s%s",
                self.name,
                "up" if result.ok else "down",
                f" ({result.reason})" if result.reason else "",
            )
        self._result = result
        self.changed_at = time.monotonic()

    @property
    def result(self) -> CheckResult:
        return self._result

    def __call__(self) -> CheckResult:
        return self._result


@dataclass(frozen=True)
class HealthReport:
    ok: bool
    checks: dict[str, CheckResult] = field(default_factory=dict)
    draining: str | None = None

    @property
    def reason(self) -> str:
        """One readable line: what is wrong (or "ok")."""
        if self.draining:
            return self.draining
        failed = [f"{name}: {r.reason or 'failed'}" for name, r in self.checks.items() if not r.ok]
        if not failed and not self.checks:
            return "no health checks registered yet (starting)"
        return "; ".join(failed) if failed else "ok"

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "fail",
            "reason": self.reason,
            "checks": {name: {"ok": r.ok, "reason": r.reason} for name, r in self.checks.items()},
        }


class HealthRegistry:
    """Named checks; healthy only when every check passes and the process is not draining."""

    def __init__(self) -> None:
        self._checks: dict[str, tuple[Check, float]] = {}
        self._sources: list[Callable[[], Mapping[str, Any]]] = []
        self._expected: dict[str, None] = {}
        self._draining: str | None = None

    def add_source(self, snapshot: Callable[[], Mapping[str, Any]], expect: Iterable[str] = ()) -> None:
        """Include every component a status snapshot reports, as one check each.

        ``snapshot()`` maps names to objects with ``ok`` and ``detail`` (the core's
        ``bot.core.status.STATUS.snapshot``), so the core can report without importing
        this module: ``health.add_source(STATUS.snapshot)``. Components named in
        ``expect`` fail as "not started yet" until they report (or a check of that name
        is registered): a process still starting up is not healthy.
        """
        self._sources.append(snapshot)
        for name in expect:
            self._expected.setdefault(name, None)

    def register(self, name: str, check: Check, *, timeout: float = DEFAULT_CHECK_TIMEOUT) -> None:
        """Add (or replace) the check called ``name``."""
        self._checks[name] = (check, timeout)

    def status(self, name: str, initial: str = "not connected yet") -> StatusCheck:
        """Create, register and return a push-style check."""
        status = StatusCheck(name, initial)
        self.register(name, status)
        return status

    @property
    def names(self) -> list[str]:
        return list(self._checks)

    def set_draining(self, reason: str = "shutting down") -> None:
        """From now on report 503 with ``reason``: the process is stopping."""
        self._draining = reason

    async def evaluate(self) -> HealthReport:
        """Run every check concurrently, each bounded by its timeout."""
        names = list(self._checks)
        results = await asyncio.gather(*(self._run(name, *self._checks[name]) for name in names))
        checks = dict(zip(names, results))
        for snapshot in self._sources:
            try:
                for name, state in snapshot().items():
                    checks.setdefault(name, CheckResult(bool(state.ok), str(getattr(state, "detail", "") or "")))
            except Exception as err:
                checks.setdefault("status", CheckResult(False, f"status snapshot failed: {err}"))
        for name in self._expected:
            checks.setdefault(name, CheckResult(False, "not started yet"))
        for name, result in checks.items():
            metrics.HEALTH_CHECK.labels(check=name).set(1 if result.ok else 0)
        ok = bool(checks) and all(r.ok for r in checks.values()) and self._draining is None
        return HealthReport(ok=ok, checks=checks, draining=self._draining)

    @staticmethod
    async def _run(name: str, check: Check, timeout: float) -> CheckResult:
        try:
            value = check()
            if inspect.isawaitable(value):
                value = await asyncio.wait_for(value, timeout)
            return CheckResult.coerce(value)
        except asyncio.TimeoutError:
            return CheckResult(False, f"no answer within {timeout:g}s")
        except Exception as err:  # a failing check is a verdict, not a crash
            log.debug("health check %s raised", name, exc_info=True)
            return CheckResult(False, f"{type(err).__name__}: {err}".strip())


# --- ready-made pull checks -------------------------------------------------------


def database_check(engine: Any) -> Check:
    """SELECT 1 through a SQLAlchemy engine (sync ``Engine`` or ``AsyncEngine``)."""
    from sqlalchemy import text

    if hasattr(engine, "sync_engine"):  # AsyncEngine

        async def check_async() -> CheckResult:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return CheckResult(True)

        return check_async

    def ping() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    async def check_sync() -> CheckResult:
        await asyncio.to_thread(ping)  # never block the event loop on a hung database
        return CheckResult(True)

    return check_sync


def scheduler_check(scheduler: Any) -> Check:
    """APScheduler 3: healthy while the scheduler is started and not paused."""

    def check() -> CheckResult:
        from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING

        state = getattr(scheduler, "state", None)
        if state == STATE_RUNNING:
            return CheckResult(True, f"{len(scheduler.get_jobs())} jobs")
        if state == STATE_PAUSED:
            return CheckResult(False, "scheduler is paused")
        return CheckResult(False, "scheduler is not running")

    return check


# --- the HTTP server --------------------------------------------------------------


class HealthServer:
    """aiohttp server for /healthz and /metrics on ``host:port`` (HEALTH_PORT, default 8080).

    /healthz answers JSON ``{"status", "reason", "checks"}`` with 200 or 503; with
    ``?format=text`` or ``Accept: text/plain`` the body is just the reason line.
    """

    def __init__(self, registry: HealthRegistry, *, host: str = "0.0.0.0", port: int = DEFAULT_PORT) -> None:
        self.registry = registry
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/", self._index)
        return app

    async def start(self) -> None:
        """Bind and serve. With port 0 the bound port is stored in ``self.port``."""
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:  # port taken, or not ours to bind: the operator's setting
            from bot.errors import StartError

            await self._runner.cleanup()
            self._runner = None
            raise StartError(f"HEALTH_PORT {self.port} on {self.host} cannot be used: {exc.strerror or exc}.") from None
        server = getattr(site, "_server", None)
        if server is not None and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        report = await self.registry.evaluate()
        status = 200 if report.ok else 503
        wants_text = request.query.get("format") == "text" or (
            "text/plain" in request.headers.get("Accept", "") and "json" not in request.headers.get("Accept", "")
        )
        if wants_text:
            return web.Response(status=status, text=report.reason + "\n")
        headers = {"X-Health-Reason": _header_safe(report.reason)}
        return web.json_response(report.as_json(), status=status, headers=headers)

    async def _metrics(self, request: web.Request) -> web.Response:
        body, content_type = metrics.exposition()
        response = web.Response(status=200, body=body)
        response.headers["Content-Type"] = content_type
        return response

    async def _index(self, request: web.Request) -> web.Response:
        return web.Response(text="briefbot: see /healthz and /metrics\n")


def _header_safe(text: str) -> str:
    return text.encode("ascii", "replace").decode("ascii").replace("\r", " ").replace("\n", " ")[:500]
