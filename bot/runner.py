"""``briefbot run``: the bot, with every platform that has settings, in one process.

Order matters. Settings are validated first (one sentence and exit 2 if wrong). Then
the ops plumbing (logging, health/metrics, signals, leader election), the bot as
``bot.assembly.assemble`` builds it (database migrated, worker pool warmed, poller and
scheduler), the platforms (each one's deliverer registered once), and only then the
scheduler is started, so a digest caught up at start has somewhere to go. On
SIGTERM/SIGINT the steps run in reverse dependency order: stop
taking commands, close the platforms, let in-flight digests finish (bounded), stop
the worker pool, close the database; exit 0.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
from collections.abc import Callable
from typing import Any

from bot.errors import StartError
from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger(__name__)

#: Platform modules started by ``run``; each exposes ``async start(settings, service)``.
PLATFORM_MODULES = {"discord": "bot.platforms.discord", "slack": "bot.platforms.slack"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="briefbot run", description="Run Briefbot on every configured chat platform.")
    parser.add_argument("--check", action="store_true", help="validate the settings and the database, then exit")
    args = parser.parse_args(argv or [])
    try:
        settings = load_settings()
        settings.check_platforms()
        settings.check_model()
    except SettingsError as exc:
        print(f"briefbot run: {exc}", file=sys.stderr)
        return 2
    if args.check:
        return _check(settings)
    try:
        return asyncio.run(run(settings))
    except SettingsError as exc:
        print(f"briefbot run: {exc}", file=sys.stderr)
        return 2
    except StartError as exc:
        print(f"briefbot run: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        return 130


def _check(settings: Settings) -> int:
    from bot.storage.db import StoreError, open_store

    try:
        store = open_store(settings.database_url)
    except StoreError as exc:
        print(f"briefbot run: {exc}", file=sys.stderr)
        return 2
    version = store.schema_version()
    store.close()
    print(f"settings ok; platforms: {', '.join(settings.platforms())}; database schema v{version}")
    return 0


async def run(settings: Settings) -> int:
    from bot.assembly import assemble
    from bot.core.status import STATUS
    from bot.ops.health import database_check
    from bot.ops.metrics import PrometheusObserver
    from bot.ops.runtime import Ops
    from bot.storage.db import StoreError

    ops = Ops.from_settings(settings, status=STATUS)
    await ops.start()
    try:
        bot = assemble(settings, gate=lambda: ops.leader.is_leader, observer=PrometheusObserver())
    except StoreError as exc:
        log.error("cannot start: %s", exc)
        await ops.stop()
        raise SettingsError(str(exc)) from None
    core, scheduler = bot.core, bot.scheduler
    ops.on_stop("commands", lambda: core.service.stop(timeout=5))
    ops.health.register("database", database_check(core.store.engine))
    await asyncio.to_thread(_warm_up, core)
    platforms: list = []

    async def close_platforms() -> None:
        await asyncio.gather(*(p.close() for p in platforms), return_exceptions=True)

    # [ops] In-flight digests need their platform client: stop the scheduler (letting its
    # digests finish, bounded by the grace left) BEFORE closing the platforms.
    ops.on_stop("scheduler", lambda: scheduler.shutdown(timeout=max(1.0, ops.shutdown.remaining() - 1)))
    ops.on_stop("platforms", close_platforms)
    ops.on_stop("core", core.aclose)

    async def start_all() -> None:
        for name in settings.platforms():
            try:
                platform = await start_platform(name, settings, core.service)
            except Exception as exc:
                # [ops] Stay up, degraded: /healthz answers 503 and says why; a crash loop
                # under a restart policy would say nothing.
                known = isinstance(exc, (SettingsError, StartError))
                reason = str(exc) if known else f"{name} could not start ({type(exc).__name__}: {exc})"
                log.error("%s", reason)
                ops.health.register(name, _failed_check(reason))
                continue
            platforms.append(platform)
            bot.add_deliverer(platform.deliverer)
            ops.health.register(name, _ready_check(platform, name))
        await bot.start_scheduling()
        # [ops] A replica that takes over catches up at once, not at the next minute sweep
        # (as a tracked task: the election loop must not wait for a digest).
        ops.leader.on_elected = scheduler.catch_up_soon
        log.info("briefbot running on %s", ", ".join(settings.platforms()))

    # [ops] Start-up races SIGTERM: a stop during start-up must not wait for it to end.
    starting = asyncio.create_task(start_all())
    stopping = asyncio.create_task(ops.shutdown.wait())
    await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if not starting.done():
        starting.cancel()
    elif (failure := starting.exception()) is not None:  # the scheduler or the core could not start
        log.error("start-up failed: %s: %s", type(failure).__name__, failure)
        stopping.cancel()
        await ops.stop()
        raise StartError(f"could not start ({type(failure).__name__}: {failure}); see the log above.") from None
    stopping.cancel()
    clean = await ops.run_until_stopped()
    log.info("briefbot stopped%s", "" if clean else " (some steps timed out)")
    return 0


async def start_platform(name: str, settings: Settings, service):
    """Import the adapter lazily (a Slack-only bot never imports discord.py) and start it."""
    module = importlib.import_module(PLATFORM_MODULES[name])
    return await module.start(settings, service)


def _failed_check(reason: str) -> Callable[[], tuple[bool, str]]:
    """The health check of a platform that could not start: down, saying why."""
    return lambda: (False, reason)


def _ready_check(platform: Any, name: str) -> Callable[[], tuple[bool, str]]:
    def check() -> tuple[bool, str]:
        ok = bool(platform.is_ready())
        return ok, f"{name} {'connected' if ok else 'not connected'}"

    return check


def _warm_up(core) -> None:
    warm = getattr(core.briefer, "warm_up", None)
    if warm is not None:
        warm()
        core.status.set("workers", True, f"{getattr(core.briefer, 'size', 1)} ready")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
