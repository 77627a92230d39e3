"""Session-wide fixtures: the spaCy model is loaded once for the whole run."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_ARTICLE = SEEDS / "us-south-korea-relations.txt"


@pytest.fixture(scope="session")
def nlp():
    from briefings.nlp import load

    return load()


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED_ARTICLE


@pytest.fixture
def captured_ops(monkeypatch):
    """Keep the runner's ``Ops`` (to stop it as SIGTERM would) and leave logging alone."""
    from bot.ops.runtime import Ops

    made: list[Ops] = []
    original = Ops.from_settings.__func__

    def from_settings(cls, settings, *, status=None, configure_logs=True):
        ops = original(cls, settings, status=status, configure_logs=False)
        made.append(ops)
        return ops

    monkeypatch.setattr(Ops, "from_settings", classmethod(from_settings))
    return made


@pytest.fixture
def thread_pool(monkeypatch, nlp):
    """The runner's worker pool, as an in-process thread (spaCy is already loaded)."""
    from bot.core.workers import ThreadBriefer

    monkeypatch.setattr("bot.core.app.ProcessBriefer", lambda size=1, model=None: ThreadBriefer(model))
