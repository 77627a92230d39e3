"""The engine's version: what a cached brief was made by.

A brief depends on the code that made it (the package version, plus ``ENGINE_REVISION``
for changes between releases), on the spaCy pipeline (its name and version) and on the
summary's settings. Caches key briefs on ``engine_version()``, so any of these changing
makes old briefs be recomputed when next needed instead of being served for weeks.
Bump ``ENGINE_REVISION`` with any change to quote rules, language data or summaries
that changes what a brief says.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

#: Raise by one with every change to the engine's output that the package version does not show.
ENGINE_REVISION = 11


def package_version() -> str:
    try:
        return importlib.metadata.version("briefbot")
    except importlib.metadata.PackageNotFoundError:  # running from a checkout without installing
        return "0+unknown"


def model_version(name: str) -> str:
    """The installed version of a spaCy model package or model directory, without loading it."""
    meta = Path(name) / "meta.json"
    if meta.is_file():
        try:
            return str(json.loads(meta.read_text(encoding="utf-8")).get("version", "unknown"))
        except (OSError, ValueError):
            return "unknown"
    for dist in (name, name.replace("_", "-")):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "unknown"


def summary_settings() -> str:
    """A short hash of the summary's weights (``briefings.summarize.DEFAULT_WEIGHTS``)."""
    from briefings.summarize import DEFAULT_WEIGHTS

    text = json.dumps(asdict(DEFAULT_WEIGHTS), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


@lru_cache(maxsize=1)
def language_data() -> str:
    """A short hash of every language data file (word lists, patterns, the attribution
    model's weights), so retraining or editing a list changes the version by itself."""
    from importlib import resources

    h = hashlib.sha256()
    root = resources.files("briefings.lang")
    folders = [root] + sorted(
        (p for p in root.iterdir() if p.is_dir() and p.name != "__pycache__"), key=lambda p: p.name
    )
    for folder in folders:
        for f in sorted(
            (p for p in folder.iterdir() if p.is_file() and p.name.endswith((".txt", ".json"))), key=lambda p: p.name
        ):
            h.update(f"{folder.name}/{f.name}\0".encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:10]


@lru_cache(maxsize=8)
def engine_version(model: str | None = None) -> str:
    """``briefbot-<pkg>.r<rev>/<model>-<model version>/s<summary hash>/l<language data hash>`` for the model that
    ``model`` (a ``BRIEFBOT_SPACY_MODEL`` value, or None for the default) resolves to."""
    from briefings.nlp import ModelNotFound, model_name

    try:
        name = model_name(model)
    except ModelNotFound:
        name = model or "none"
    label = Path(name).name if Path(name).is_dir() else name
    return (
        f"briefbot-{package_version()}.r{ENGINE_REVISION}/{label}-{model_version(name)}"
        f"/s{summary_settings()}/l{language_data()}"
    )
