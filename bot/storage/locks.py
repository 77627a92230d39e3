"""PostgreSQL advisory locks: one key per purpose, and the lock around schema migration.

Storage owns these (``bot.ops.leader`` uses ``lock_key`` for the scheduling lead), so
opening the database never imports the operations layer.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator

from sqlalchemy import Engine, text


def lock_key(name: str = "briefbot:scheduler") -> int:
    """A stable signed 64-bit advisory-lock key for ``name``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Serialize schema creation/migration across replicas starting at once.

    Without it, two processes that find an empty PostgreSQL database both CREATE the
    same tables and one fails (duplicate pg_type). Holds a session-level advisory lock
    on a connection of its own for the duration; a no-op for SQLite.
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    key = lock_key("briefbot:migrate")
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            conn.commit()
