"""A fresh PostgreSQL database per test, from BRIEFBOT_TEST_POSTGRES_URL.

`scripts/postgres.sh` starts a throwaway server and prints the URL; `.ci/run` exports it.
Without it (or when the server does not answer) the tests that need it are skipped,
saying why. Used by tests/test_ops_leader.py and tests/test_replicas*.py.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator

import pytest

ENV = "BRIEFBOT_TEST_POSTGRES_URL"


def admin_url() -> str:
    url = os.environ.get(ENV, "")
    if not url:
        pytest.skip(f"no PostgreSQL server: set {ENV} (scripts/postgres.sh starts one and prints it)")
    return url


def libpq(url: str) -> str:
    return re.sub(r"^postgres(?:ql)?\+[A-Za-z0-9_]+://", "postgresql://", url)


def fresh_database() -> Iterator[str]:
    """Create a uniquely named database, yield its SQLAlchemy URL, drop it afterwards."""
    import psycopg

    url = admin_url()
    try:
        admin = psycopg.connect(libpq(url), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as err:
        pytest.skip(f"PostgreSQL at {ENV} does not answer: {str(err).strip()}")
    name = f"briefbot_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield url.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
