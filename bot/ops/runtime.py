"""Everything operational a `briefbot run` process needs, in one object the runner holds.

The runner (bot/runner.py, owned by the core) keeps the meaning — which platforms, which
jobs; this bundles the plumbing so the runner's part is a handful of calls::

    ops = Ops.from_settings(settings)            # logging configured, secrets registered
    await ops.start()                            # health/metrics server, signals, election
    core = Core.open(settings)                   # core reports to bot.core.status.STATUS,
                                                 #   which /healthz already includes
    ops.on_stop("platforms", stop_adapters)      # cleanup, in the order added
    ops.on_stop("core", core.aclose)
    ...  scheduled jobs:   if not ops.leader.is_leader: return
    ...  a unit of work:   async with ops.shutdown.in_flight("digest"): ...
    await ops.run_until_stopped()                # returns after SIGTERM/SIGINT and cleanup
    return 0

The health server and the election are stopped last, after the runner's own steps, so
/healthz says "shutting down" for as long as the process is still finishing work.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.ops import metrics
from bot.ops.health import HealthRegistry, HealthServer
from bot.ops.leader import LeaderElector
from bot.ops.logs import add_secret, configure_logging
from bot.ops.shutdown import DEFAULT_GRACE, GracefulShutdown, Step

log = logging.getLogger(__name__)


def _secret_value(value: Any) -> str | None:
    if value is None:
        return None
    getter = getattr(value, "get_secret_value", None)
    return getter() if callable(getter) else str(value)


def _platforms(settings: Any) -> list[str]:
    platforms = getattr(settings, "platforms", None)
    return list(platforms()) if callable(platforms) else []


class Ops:
    def __init__(
        self,
        *,
        database_url: str | None,
        health_port: int = 8080,
        health_host: str = "0.0.0.0",
        grace: float = DEFAULT_GRACE,
        status: Any = None,
        expect: tuple[str, ...] = (),
        leader_retry: float | None = None,
    ) -> None:
        self.health = HealthRegistry()
        if status is not None:
            self.health.add_source(status.snapshot, expect=expect)
            if hasattr(status, "counters"):
                metrics.bridge_counters(status.counters)
        self.server = HealthServer(self.health, host=health_host, port=health_port)
        self.leader = (
            LeaderElector(database_url)
            if leader_retry is None
            else LeaderElector(database_url, retry_interval=leader_retry)
        )
        self.shutdown = GracefulShutdown(grace=grace, health=self.health)
        self._started = False

    @classmethod
    def from_settings(cls, settings: Any, *, status: Any = None, configure_logs: bool = True) -> Ops:
        """Build from the core's Settings; registers its secrets and configures logging."""
        for name in ("discord_token", "slack_bot_token", "slack_signing_secret", "slack_app_token"):
            add_secret(_secret_value(getattr(settings, name, None)))
        if configure_logs:
            configure_logging(getattr(settings, "log_level", None), getattr(settings, "log_format", None))
        if status is None:
            from bot.core.status import STATUS

            status = STATUS
        return cls(
            database_url=getattr(settings, "database_url", None),
            health_port=int(getattr(settings, "health_port", 8080)),
            grace=float(getattr(settings, "shutdown_grace_seconds", None) or DEFAULT_GRACE),
            status=status,
            # Healthy only once these have reported in: the database, the scheduler and
            # every chat platform that has settings.
            expect=("database", "scheduler", *_platforms(settings)),
            leader_retry=getattr(settings, "leader_retry_seconds", None),
        )

    async def start(self) -> None:
        """Serve /healthz and /metrics, take SIGTERM/SIGINT, begin the leader election."""
        metrics.set_build_info()
        await self.server.start()
        self.shutdown.install()
        self.health.register("leader", self.leader.check)
        await self.leader.start()
        self._started = True

    def on_stop(self, name: str, step: Step, *, timeout: float | None = None) -> None:
        """Add a cleanup step run at shutdown, after those added before it."""
        self.shutdown.add_step(name, step, timeout=timeout)

    async def run_until_stopped(self) -> bool:
        """Wait for a signal (or ``shutdown.request_stop()``), then clean up. True if clean."""
        await self.shutdown.wait()
        return await self.stop()

    async def stop(self) -> bool:
        """Run the cleanup steps, then release leadership and stop the health server."""
        self.shutdown.request_stop()
        clean = await self.shutdown.run_steps()
        await self.leader.stop()
        await self.server.stop()
        self.shutdown.uninstall()
        return clean
