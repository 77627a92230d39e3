"""Reported-speech constructions as spaCy ``DependencyMatcher`` patterns.

A construction that is a shape of the parse ("according to X": *according* → *to* →
its object) is a pattern in ``lang/<code>/report_patterns.json`` rather than code; each
pattern marks its ``CUE`` and its ``SOURCE`` token. Matchers are built once per spaCy
vocabulary and language.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from spacy.matcher import DependencyMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab


@lru_cache(maxsize=None)
def _patterns(lang: str) -> dict[str, list[dict]]:
    path = resources.files("briefings.lang").joinpath(lang, "report_patterns.json")
    return json.loads(path.read_text(encoding="utf-8"))["patterns"] if path.is_file() else {}


@lru_cache(maxsize=8)
def _matcher(vocab: Vocab, lang: str) -> tuple[DependencyMatcher, dict[int, tuple[int, int]]]:
    matcher = DependencyMatcher(vocab)
    roles: dict[int, tuple[int, int]] = {}
    for name, pattern in _patterns(lang).items():
        matcher.add(name, [pattern])
        ids = [node["RIGHT_ID"] for node in pattern]
        roles[vocab.strings[name]] = (ids.index("CUE"), ids.index("SOURCE"))
    return matcher, roles


def names(lang: str) -> tuple[str, ...]:
    """The constructions ``lang`` has patterns for ("according_to", "as_put_it", ...)."""
    return tuple(_patterns(lang))


def matches(doc: Doc, lang: str, name: str) -> list[tuple[int, int]]:
    """``(cue, source)`` token indices of every match of pattern ``name``, in text order."""
    if not len(doc) or name not in _patterns(lang):
        return []
    matcher, roles = _matcher(doc.vocab, lang)
    wanted = doc.vocab.strings[name]
    found = set()
    for match_id, tokens in matcher(doc):
        if match_id == wanted:
            cue, source = roles[match_id]
            found.add((tokens[cue], tokens[source]))
    return sorted(found)
