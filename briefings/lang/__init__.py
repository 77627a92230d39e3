"""Language data: word lists the engine reads, one folder per language.

Each list is a text file under ``briefings/lang/<code>/`` with one entry per line (lower
case, ``#`` starts a comment, an entry may be a phrase of several words). Lists are read
once per process and deduplicated; code never spells a language's words itself, so adding
a language is adding a folder of files.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


class LanguageDataMissing(LookupError):
    """A language or one of its lists is not shipped."""


def available(lang: str) -> bool:
    """Whether Briefbot ships language data for ``lang`` (a two-letter code)."""
    return resources.files(__package__).joinpath(lang).is_dir()


@lru_cache(maxsize=None)
def words(lang: str, name: str) -> frozenset[str]:
    """The entries of list ``name`` for ``lang``, lower-cased and deduplicated."""
    path = resources.files(__package__).joinpath(lang, f"{name}.txt")
    if not path.is_file():
        raise LanguageDataMissing(f"no list {name!r} for language {lang!r} (looked for {path})")
    entries = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = " ".join(line.split("#", 1)[0].split()).lower()
        if entry:
            entries.add(entry)
    return frozenset(entries)


@lru_cache(maxsize=None)
def table(lang: str, name: str) -> dict:
    """The JSON data file ``name`` for ``lang`` (structured data: patterns, weights, shapes)."""
    path = resources.files(__package__).joinpath(lang, f"{name}.json")
    if not path.is_file():
        raise LanguageDataMissing(f"no table {name!r} for language {lang!r} (looked for {path})")
    return json.loads(path.read_text(encoding="utf-8"))
