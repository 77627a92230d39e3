"""The cross-article "who said what" digest: one entry per speaker, every outlet they spoke in.

Each brief already names its speakers canonically within its article ("Biden", "President
Biden" and "Joe Biden" are all "Joe Biden"). Across articles the same person may still be
named differently ("Joe Biden" here, "Joseph R. Biden" there, only "Biden" in a short
item), so names merge across articles by the same rule the per-article pass uses: same
surname and agreeing given names (or initials), and a surname alone joins the single
full name it can belong to. People who merely share a surname ("Sung Kim", "Kim Jong
Un", "Andrew Vickers" and "Kevin Vickers") stay apart. Organisations merge by name;
unnamed sources ("officials", "a spokesperson") never merge, since two articles'
"officials" are not the same people. Quotes no speaker was named for (``speaker`` is
``None``) are one group of their own, named ``None``, after every named speaker.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .model import Brief, Quote
from .quotes.speakers import name_words

_MERGED_KINDS = frozenset({"person", "organization"})


@dataclass(frozen=True)
class Appearance:
    """What one speaker said in one article, and where that article is."""

    name: str | None
    role: str | None
    title: str | None
    url: str | None
    path: str | None
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class DigestSpeaker:
    """One speaker across all briefed articles; ``name`` is ``None`` for the unattributed quotes."""

    name: str | None
    kind: str
    roles: tuple[str, ...]
    appearances: tuple[Appearance, ...]

    @property
    def quotes(self) -> tuple[tuple[Appearance, Quote], ...]:
        """Every quote with the article it came from, in article order."""
        return tuple((a, q) for a in self.appearances for q in a.quotes)

    @property
    def quote_count(self) -> int:
        return sum(len(a.quotes) for a in self.appearances)

    @property
    def article_count(self) -> int:
        return len(self.appearances)


def _fold(word: str) -> str:
    """Case- and accent-insensitive form of a name word ("François" ~ "Francois")."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().rstrip(".")


def _key(name: str, kind: str) -> tuple[str, ...]:
    """Comparable form of a name: titles dropped for people, kept for organisations
    ("State Department" is not "Department")."""
    words = name_words(name) if kind == "person" else tuple(name.removeprefix("the ").split())
    return tuple(_fold(w) for w in words) or (_fold(name),)


def _same_person(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if a == b:
        return True
    if len(a) < 2 or len(b) < 2 or a[-1] != b[-1]:
        return False
    fa, fb = a[0], b[0]
    return fa == fb or (len(fa) == 1 and fb.startswith(fa)) or (len(fb) == 1 and fa.startswith(fb))


@dataclass
class _Group:
    key: tuple[str, ...]
    name: str
    kind: str
    roles: list[str]
    appearances: list[Appearance]


def _appearances(brief: Brief) -> list[tuple[str | None, str, Appearance]]:
    art = brief.article
    out = []
    for name, quotes in brief.speakers:
        first = quotes[0]
        role = next((q.role for q in quotes if q.role), None)
        out.append(
            (
                name,
                first.speaker_kind,
                Appearance(name=name, role=role, title=art.title, url=art.url, path=art.path, quotes=tuple(quotes)),
            )
        )
    return out


def merge_speakers(briefs: list[Brief]) -> list[DigestSpeaker]:
    """Speakers of all briefs, the same person once, most widely quoted first."""
    groups: list[_Group] = []
    pending_surnames: list[tuple[tuple[str, ...], str, str, Appearance]] = []
    unattributed: list[Appearance] = []
    for brief in briefs:
        for name, kind, appearance in _appearances(brief):
            if name is None:
                unattributed.append(appearance)
                continue
            key = _key(name, kind)
            if kind == "person" and len(key) == 1:
                pending_surnames.append((key, name, kind, appearance))
                continue
            _add(groups, key, name, kind, appearance)
    for key, name, kind, appearance in pending_surnames:
        owners = [g for g in groups if g.kind == "person" and len(g.key) > 1 and g.key[-1] == key[0]]
        if len(owners) == 1:
            _join(owners[0], appearance)
        else:
            _add(groups, key, name, kind, appearance)
    ranked = sorted(groups, key=lambda g: (-len(g.appearances), -sum(len(a.quotes) for a in g.appearances)))
    merged = [DigestSpeaker(g.name, g.kind, tuple(dict.fromkeys(g.roles)), tuple(g.appearances)) for g in ranked]
    if unattributed:
        merged.append(DigestSpeaker(None, "unknown", (), tuple(unattributed)))
    return merged


def _add(groups: list[_Group], key: tuple[str, ...], name: str, kind: str, appearance: Appearance) -> None:
    if kind in _MERGED_KINDS:
        for g in groups:
            if g.kind == kind and _same_person(g.key, key):
                if len(key) > len(g.key):  # keep the fullest form of the name
                    g.key, g.name = key, name
                _join(g, appearance)
                return
    groups.append(_Group(key, name, kind, [], []))
    _join(groups[-1], appearance)


def _join(group: _Group, appearance: Appearance) -> None:
    group.appearances.append(appearance)
    if appearance.role:
        group.roles.append(appearance.role)


def speaker_key(name: str, kind: str) -> tuple[str, ...]:
    """The comparable form of a speaker's name (titles dropped for people)."""
    return _key(name, kind)


def same_speaker(a: tuple[str, ...], b: tuple[str, ...], kind_a: str, kind_b: str) -> bool:
    """Whether two speakers' keys name one speaker: people and organisations by the
    digest's rule, unnamed sources only by the same words ("officials" is "officials")."""
    if kind_a != kind_b:
        return False
    return _same_person(a, b) if kind_a in _MERGED_KINDS else a == b
