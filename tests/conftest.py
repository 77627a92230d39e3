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
