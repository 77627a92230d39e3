"""Leader election on a real PostgreSQL server (skipped without one), and SQLite mode."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from bot.ops import metrics
from bot.ops.leader import LeaderElector, is_postgres, libpq_url
from bot.storage.locks import lock_key, migration_lock
from ops_postgres import fresh_database, libpq


@pytest.fixture
def pg_url():
    yield from fresh_database()


def test_urls_and_keys():
    assert is_postgres("postgresql+psycopg://u:p@h/db") and is_postgres("postgres://h/db")
    assert not is_postgres("sqlite:////data/briefbot.db") and not is_postgres(None)
    assert libpq_url("postgresql+psycopg://u:p@h:5/db") == "postgresql://u:p@h:5/db"
    assert lock_key() == lock_key("briefbot:scheduler") != lock_key("other")
    assert -(2**63) <= lock_key() < 2**63


async def test_sqlite_process_is_always_leader():
    elected = []
    elector = LeaderElector("sqlite:////tmp/x.db", on_elected=lambda: elected.append(1))
    await elector.start()
    assert elector.is_leader and elected == [1]
    assert metrics.LEADER._value.get() == 1
    assert elector.check().ok
    await elector.stop()
    assert not elector.is_leader


async def test_exactly_one_of_several_leads_and_a_stop_hands_over(pg_url):
    electors = [LeaderElector(pg_url, retry_interval=0.2, jitter=0.1) for _ in range(3)]
    for elector in electors:
        await elector.start()
    try:
        await asyncio.sleep(0.6)
        leaders = [e for e in electors if e.is_leader]
        assert len(leaders) == 1
        followers = [e for e in electors if not e.is_leader]
        follower = "follower (another replica schedules digests)"
        assert all(e.check() == e.check().__class__(True, follower) for e in followers)
        await leaders[0].stop()
        deadline = time.monotonic() + 5
        while not any(e.is_leader for e in followers) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert sum(e.is_leader for e in followers) == 1
    finally:
        for elector in electors:
            await elector.stop()


async def test_sigkilled_holder_is_replaced(pg_url):
    """Another process takes the lock and is SIGKILLed; the server frees the lock with its
    session and the follower here takes over on its next try."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import psycopg, sys, time
            conn = psycopg.connect({libpq(pg_url)!r}, autocommit=True)
            assert conn.execute("SELECT pg_try_advisory_lock(%s)", ({lock_key()},)).fetchone()[0]
            print("locked", flush=True)
            time.sleep(120)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        elector = LeaderElector(pg_url, retry_interval=0.3, jitter=0.1)
        await elector.start()
        await asyncio.sleep(0.8)
        assert not elector.is_leader
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        assert await elector.wait_elected(timeout=5)
        await elector.stop()
    finally:
        holder.kill()
        holder.wait()


async def test_leader_that_loses_its_session_steps_down_and_competes_again(pg_url):
    import psycopg

    lost = []
    elector = LeaderElector(pg_url, retry_interval=0.2, jitter=0.0, on_lost=lambda: lost.append(1))
    await elector.start()
    try:
        assert elector.is_leader
        with psycopg.connect(libpq(pg_url), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'briefbot-leader' AND datname = current_database()"
            )
        deadline = time.monotonic() + 5
        while not lost and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert lost == [1], "the leader did not notice its session ended"
        assert await elector.wait_elected(timeout=5), "it did not win the free lock again"
    finally:
        await elector.stop()


async def test_unreachable_database_is_a_follower_with_a_failing_check():
    elector = LeaderElector("postgresql+psycopg://u:p@127.0.0.1:1/db", retry_interval=30)
    await elector.start()
    try:
        assert not elector.is_leader
        result = elector.check()
        assert not result.ok and "cannot reach PostgreSQL for leader election" in result.reason
        assert "u:p@" not in result.reason
    finally:
        await elector.stop()


def test_migration_lock_serializes_replicas_creating_the_schema(pg_url):
    """Three processes open the same empty database at once; without the lock in
    ``Store.migrate`` one of them usually fails with a duplicate-type error."""
    code = textwrap.dedent("""
        import sys
        from bot.storage.db import open_store
        open_store(sys.argv[1]).close()  # migrates under bot.storage.locks.migration_lock
        print("ok")
    """)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, pg_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err[-500:] for _, err in results]


def test_migration_lock_is_a_no_op_for_sqlite(tmp_path):
    from sqlalchemy import create_engine

    with migration_lock(create_engine(f"sqlite:///{tmp_path}/x.db")):
        pass
