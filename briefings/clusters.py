"""Same-story clusters: one story however many outlets carry it.

Two articles are the same story when

* they are **wire copy** of one text (the same agency story under another headline, with
  a local intro, cut at another paragraph): most of the shorter body's word shingles are
  in the longer one; or
* they report **the same event** in their own words: they agree on who (the rare names
  both mention, weighted by how rare they are among the day's articles), and on what was
  said or counted (the same quoted words, the same figures), and they do not disagree on
  when (the day their openings name).

Names alone are not enough: two rallies of one candidate, or two polls of one race a week
apart, share every name and differ in their quotes, figures and days. A false merge tells
a channel that outlets agree when they do not, so every rule leans towards keeping
stories apart.

Adding an article costs about the same however many stories there are: candidates come
from MinHash LSH buckets (for wire copy) and from posting lists of rare event features
(quote shingles, figures, names), each capped, never from a scan of all articles. The
window (36 hours by default, by publication or arrival time) bounds what can merge.

Plain frozen dataclasses in and out; nothing here knows about the bot.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from functools import lru_cache
from collections.abc import Callable
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

#: Articles further apart than this in time are never one story.
DEFAULT_WINDOW = timedelta(hours=36)

_PERMUTATIONS = 128
_BAND_ROWS = 2  # 64 bands of 2 rows: a pair with Jaccard 0.2 is a candidate 93 % of the time
_SHINGLE = 5
_QUOTE_SHINGLE = 5
#: A feature carried by more articles than this in the window no longer proposes candidates
#: (it still counts when a pair is scored); keeps each addition's cost bounded.
_POSTING_CAP = 40
#: At most this many candidates are scored for one new article, the most promising first.
_CANDIDATES = 60
#: A new article is checked against at most this many of a story's latest members.
_MEMBERS_CHECKED = 12

#: Share of the shorter body's shingles found in the other body that makes wire copy.
WIRE_CONTAINMENT = 0.5
#: Containment above which two bodies are one text whatever their names and figures.
NEAR_IDENTICAL = 0.85
#: A body shorter than this (in 5-word shingles) is too short to call wire copy by text alone.
_MIN_WIRE_SHINGLES = 25

_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20261201)
_A = _rng.integers(1, _PRIME, size=_PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, size=_PERMUTATIONS, dtype=np.uint64)

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_QUOTE = re.compile(r"[\"“”„«»]([^\"“”„«»]{8,600})[\"“”„«»]")
_CAP_WORD = re.compile(r"\b[A-Z][\w’'\-]*[a-z][\w’'\-]*\b|\b[A-Z]{2,}\b")
_NUMBER = re.compile(
    r"(?<![\w.])(\$|£|€)?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*"
    r"(%|percent\b|per cent\b|percentage points?\b|points?\b|million\b|billion\b|trillion\b|m\b|bn\b|k\b)?",
    re.IGNORECASE,
)
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(_MONTHS)} | {"sept": 9}
_DATE = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b"
    r"|\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\b"
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_RELATIVE_DAY = re.compile(r"\b(yesterday|today|tonight|last night)\b", re.IGNORECASE)

#: Capitalised words that are not names: sentence openers, titles, days and months.
_NOT_NAMES = frozenset(
    """
a an the this that these those it its he she they we i you his her their our my your
in on at of for to from by with as after before during since until while when where if
but and or so yet not no nor also still then there here now today tonight yesterday
mr mrs ms miss dr sir madam president senator sen rep governor gov mayor minister
secretary chairman chairwoman chair chief judge justice officer general gen prime
monday tuesday wednesday thursday friday saturday sunday
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
said says asked told according however meanwhile despite although though what who why how
one two three four five six seven eight nine ten many some all most several more less
ap reuters afp associated press editor editing reporting additional
officials official police critics residents analysts experts authorities sources witnesses
lawmakers economists voters supporters opponents members leaders workers
""".split()
)


@dataclass(frozen=True)
class ClusterItem:
    """One article to place in a story: an id of the caller's, its body and when it came."""

    key: str
    text: str
    title: str | None = None
    source: str | None = None
    time: datetime | None = None


@dataclass(frozen=True)
class Story:
    """Articles found to be one story, in the order they were added (keys of ClusterItem)."""

    keys: tuple[str, ...]


@dataclass(frozen=True)
class Evidence:
    """Why two articles are, or are not, one story: the measures the decision used."""

    containment: float
    names: float
    quotes: int
    figures: int
    day_conflict: bool
    same: bool
    reason: str


@dataclass(frozen=True)
class Features:
    """What the decision reads from one body (computed once per article)."""

    signature: np.ndarray = field(repr=False, compare=False)
    shingle_set: np.ndarray = field(repr=False, compare=False)  # sorted uint32 hashes
    names: frozenset[str]
    quotes: tuple[frozenset[int], ...]
    quote_shingles: frozenset[int]
    figures: frozenset[str]
    lede_days: frozenset[str]
    # the same after the first paragraph: wire copies differ in a local intro, templates throughout
    body_names: frozenset[str] = frozenset()
    body_figures: frozenset[str] = frozenset()


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _fold(text: str) -> str:
    """Lower case without accents ("Françoise" ~ "francoise")."""
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()


def _hash(s: str) -> int:
    return zlib.crc32(s.encode("utf-8"))


def _words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in _WORD.findall(_fold(text))]


_MIX = np.uint64(1_000_003)


@lru_cache(maxsize=1 << 18)
def _word_hash(word: str) -> int:
    return _hash(word)


def _shingles(words: list[str], n: int) -> set[int]:
    """Hashes (32 bits) of every run of ``n`` words: each word hashed once, runs combined
    by a polynomial over the word hashes (vectorised)."""
    if not words:
        return set()
    ids = np.fromiter(map(_word_hash, words), dtype=np.uint64, count=len(words))
    if len(ids) < n:
        n = len(ids)
    runs = len(ids) - n + 1
    h = np.zeros(runs, dtype=np.uint64)
    for k in range(n):  # wraps modulo 2**64, then folded to 32 bits
        h = h * _MIX + ids[k : k + runs]
    return set(((h ^ (h >> np.uint64(32))) & np.uint64(0xFFFFFFFF)).tolist())


def _signature(shingles: set[int]) -> np.ndarray:
    if not shingles:
        return np.full(_PERMUTATIONS, np.iinfo(np.uint64).max, dtype=np.uint64)
    x = np.fromiter(shingles, dtype=np.uint64, count=len(shingles))
    # (a*x + b) wraps modulo 2**64 before the mod p: still a fine universal-style family
    hashed = ((_A[:, None] * x[None, :]) + _B[:, None]) % np.uint64(_PRIME)
    return hashed.min(axis=1)


_NAME_FOLLOWER = re.compile(r"\s+[A-Z]|,|\s+(?:said|says|told|added|argued|warned)\b")


def _names(text: str) -> frozenset[str]:
    """Capitalised words used as names. A sentence's first word counts only when it
    looks like a name there too (followed by another capitalised word, a comma or
    "said") or is capitalised somewhere mid-sentence: "People in this state" is no name."""
    mid: set[str] = set()
    opening: set[str] = set()
    for m in _CAP_WORD.finditer(text):
        word = _fold(m.group()).strip("'’-").removesuffix("'s")
        if len(word) < 2 or word in _NOT_NAMES:
            continue
        before = text[max(0, m.start() - 3) : m.start()].rstrip(" \t\"“‘'(")
        if before and before[-1] not in ".!?:\n":
            mid.add(word)
        elif _NAME_FOLLOWER.match(text, m.end()):
            mid.add(word)
        else:
            opening.add(word)
    return frozenset(mid)


def _figures(text: str) -> frozenset[str]:
    """Figures worth comparing: percentages, money, counts of 100 or more that are not years."""
    out = set()
    for m in _NUMBER.finditer(text):
        cur, num, unit = m.group(1), m.group(2), (m.group(3) or "").lower()
        value = num.replace(",", "")
        try:
            f = float(value)
        except ValueError:
            continue
        if unit in ("m",):
            unit = "million"
        if unit == "bn":
            unit = "billion"
        if unit.startswith("per") and "point" not in unit:
            unit = "%"
        if unit.startswith("point") or "point" in unit:
            unit = "pt"
        if not unit and not cur:
            if f < 100 or (1900 <= f <= 2100 and "." not in value):
                continue
            tail = text[m.end() : m.end() + 6].lower()
            if re.match(r"\s*(a\.?m\.?|p\.?m\.?|:)", tail) or text[max(0, m.start() - 1) : m.start()] == ":":
                continue  # a clock time
        elif unit == "pt" and f < 2 and not cur:
            continue
        canon = f"{f:g}"
        out.add(f"{cur or ''}{canon}{unit}")
    return frozenset(out)


def _lede_days(text: str, published: datetime | None) -> frozenset[str]:
    """The days the article's opening sentences name: explicit dates, weekdays, yesterday."""
    lede = text[:400]
    days: set[str] = set()
    for m in _DATE.finditer(lede):
        month = (m.group(1) or m.group(4))[:4].lower().rstrip(".")
        month_n = _MONTH_ABBR.get(month, _MONTH_ABBR.get(month[:3]))
        day = int(m.group(2) or m.group(3))
        if month_n and 1 <= day <= 31:
            days.add(f"{month_n:02d}-{day:02d}")
    for m in _WEEKDAY.finditer(lede):
        wd = _WEEKDAYS.index(m.group(1).lower())
        if published is not None:
            back = (published.weekday() - wd) % 7
            d = (published - timedelta(days=back)).date()
            days.add(f"{d.month:02d}-{d.day:02d}")
        else:
            days.add(m.group(1).lower())
    if published is not None:
        for m in _RELATIVE_DAY.finditer(lede):
            back = 1 if m.group(1).lower() in ("yesterday", "last night") else 0
            d = (published - timedelta(days=back)).date()
            days.add(f"{d.month:02d}-{d.day:02d}")
    return frozenset(days)


def _quote_shingles(text: str) -> tuple[frozenset[int], ...]:
    """Each quoted passage of five words or more, as its set of 5-word shingles."""
    out = []
    for m in _QUOTE.finditer(text):
        words = _words(m.group(1))
        if len(words) >= _QUOTE_SHINGLE:
            out.append(frozenset(_shingles(words, _QUOTE_SHINGLE)))
    return tuple(out)


def features(text: str, published: datetime | None = None) -> Features:
    """Everything the decision reads from one body."""
    shingles = _shingles(_words(text), _SHINGLE)
    quotes = _quote_shingles(text)
    first, _, rest = text.strip().partition("\n")
    names = _names(text)
    figures = _figures(text)
    return Features(
        signature=_signature(shingles),
        shingle_set=np.array(sorted(shingles), dtype=np.uint32),
        names=names,
        quotes=quotes,
        quote_shingles=frozenset().union(*quotes),
        figures=figures,
        lede_days=_lede_days(text, published),
        body_names=_names(rest) if rest.strip() else names,
        body_figures=_figures(rest) if rest.strip() else figures,
    )


def containment(a: Features, b: Features) -> float:
    """Share of the shorter body's word shingles that are also in the other body.

    Exact, on the sorted shingle arrays: MinHash finds the candidates, but its estimate
    of containment is too noisy when one body is ten times the other's length."""
    small, large = sorted((len(a.shingle_set), len(b.shingle_set)))
    if small < _MIN_WIRE_SHINGLES:
        return 0.0
    if large <= 4 * small and int(np.count_nonzero(a.signature == b.signature)) <= 1:
        # bodies of like size sharing (almost) no MinHash value: Jaccard under ~2 %, so
        # containment under ~10 %; no need for the exact count
        return 0.0
    inter = np.intersect1d(a.shingle_set, b.shingle_set, assume_unique=True).size
    return inter / small


def _shared_quotes(a: Features, b: Features) -> int:
    """How many of the quoted passages of one article the other quotes too (two shared
    5-word runs, or the whole of a short passage)."""
    if not a.quote_shingles or a.quote_shingles.isdisjoint(b.quote_shingles):
        return 0

    def count(x: Features, y: Features) -> int:
        return sum(1 for q in x.quotes if len(q & y.quote_shingles) >= min(2, len(q)))

    return min(count(a, b), count(b, a))


def _same_particulars(a: Features, b: Features, c: float) -> bool:
    """Shared text is wire copy only if it tells of the same people and figures: a
    template filled in twice (plan 3 and plan 4, other people quoted, other sums) shares
    most of its words and is two stories. Near-identical bodies need no check."""
    if c >= NEAR_IDENTICAL:
        return True
    short, other = (a, b) if len(a.shingle_set) <= len(b.shingle_set) else (b, a)
    # the shorter body past its first paragraph (a local intro is not the agency's text)
    names, figures = short.body_names, short.body_figures
    if names and len(names & other.names) / len(names) < 0.5:
        return False
    if figures and other.figures and not figures & other.figures:
        return False
    # most of the shorter one's figures must be the other's too: plan 3 "costs 6 billion"
    # and plan 4 "costs 7 billion" share a template, not a story
    return len(figures) < 2 or len(figures & other.figures) / len(figures) >= 0.5


def decide(a: Features, b: Features, idf: Callable[[str], float] | None = None) -> Evidence:
    """Whether two articles are one story, and the evidence for the answer."""
    c = containment(a, b)
    quotes = _shared_quotes(a, b)
    shared_figures = len(a.figures & b.figures)
    # figures count as agreement only when they are much of what the briefer article
    # reports: two polls of one race share a "45%" by chance, not most of their numbers
    fewer = min(len(a.figures), len(b.figures))
    share = shared_figures / fewer if fewer else 0.0
    figures = shared_figures if share >= 0.3 else 0
    if c < WIRE_CONTAINMENT and not quotes and not figures:  # no evidence: skip the names
        return Evidence(c, 0.0, 0, 0, False, False, "not enough shared evidence")
    shared_names = a.names & b.names

    def weight(names: frozenset[str]) -> float:
        return sum(map(idf, names)) if idf else float(len(names))

    smaller = min(weight(a.names), weight(b.names))
    names = weight(shared_names) / smaller if smaller else 0.0
    day_conflict = bool(a.lede_days and b.lede_days and not (a.lede_days & b.lede_days))
    if c >= WIRE_CONTAINMENT and _same_particulars(a, b, c):
        return Evidence(c, names, quotes, figures, day_conflict, True, "wire copy")
    if day_conflict:
        return Evidence(c, names, quotes, figures, day_conflict, False, "different days")
    # event-level agreement: the same rare names, and the same words quoted or figures given;
    # the weaker the quotes and figures, the more of the names must agree
    agreed = (
        (names >= 0.35 and ((quotes >= 2 and figures >= 1) or (quotes >= 1 and figures >= 2)))
        or (names >= 0.5 and figures >= 3 and share >= 0.5)
        or (names >= 0.6 and quotes >= 3)
        or (names >= 0.6 and quotes >= 1 and figures >= 1)
    )
    if agreed and len(shared_names) >= 2:
        return Evidence(c, names, quotes, figures, day_conflict, True, "same event")
    return Evidence(c, names, quotes, figures, day_conflict, False, "not enough shared evidence")


@dataclass
class _Entry:
    key: str
    time: datetime | None
    features: Features
    story: int


class StoryIndex:
    """Articles placed into stories one at a time, in bounded work per article."""

    def __init__(self, window: timedelta = DEFAULT_WINDOW) -> None:
        self.window = window
        self._entries: list[_Entry] = []
        self._bands: dict[tuple[int, bytes], list[int]] = defaultdict(list)
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._df: dict[str, int] = defaultdict(int)
        self._stories: list[list[str]] = []
        self._members: list[list[int]] = []

    def _within(self, a: datetime | None, b: datetime | None) -> bool:
        if a is None or b is None:
            return True
        if (a.tzinfo is None) != (b.tzinfo is None):
            a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
        return abs(a - b) <= self.window

    def _idf(self, name: str) -> float:
        n = len(self._entries) + 1
        return math.log((n + 1) / (self._df.get(name, 0) + 1)) + 1.0

    def _candidates(self, f: Features) -> list[int]:
        votes: dict[int, int] = defaultdict(int)
        sig = f.signature
        for band in range(0, _PERMUTATIONS, _BAND_ROWS):
            for i in self._bands.get((band, sig[band : band + _BAND_ROWS].tobytes()), ())[-_POSTING_CAP:]:
                votes[i] += 3
        for feat in _event_keys(f):
            posting = self._postings.get(feat)
            if posting and len(posting) <= _POSTING_CAP:
                for i in posting:
                    votes[i] += 1
        return sorted(votes, key=lambda i: (-votes[i], -i))[:_CANDIDATES]

    def _joins(self, story_id: int, found: list[Evidence], decided: Callable[[int], Evidence]) -> float | None:
        """How well a new article fits a story, or None when it does not.

        Wire copy of any member joins. Otherwise the article must agree as one event with
        at least half the story's members and contradict none (a different day), so that
        one loose match cannot chain two distinct stories together."""

        def score(ev: Evidence) -> float:
            return ev.containment * 4 + ev.names + ev.quotes + 0.5 * ev.figures

        wire = [ev for ev in found if ev.same and ev.reason == "wire copy"]
        if wire:
            return 10 + max(score(ev) for ev in wire)
        members = self._members[story_id][-_MEMBERS_CHECKED:]
        verdicts = [decided(i) for i in members]
        agreeing = [ev for ev in verdicts if ev.same]
        if not agreeing or any(ev.day_conflict for ev in verdicts) or 2 * len(agreeing) < len(verdicts):
            return None
        return max(score(ev) for ev in agreeing)

    def add(self, item: ClusterItem) -> int:
        """Place one article; returns the index of its story."""
        f = features(item.text, item.time)
        for name in f.names:
            self._df[name] += 1
        weights: dict[str, float] = {}

        def idf(name: str) -> float:
            w = weights.get(name)
            if w is None:
                w = weights[name] = self._idf(name)
            return w

        memo: dict[int, Evidence] = {}

        def decided(i: int) -> Evidence:
            if i not in memo:
                memo[i] = decide(f, self._entries[i].features, idf)
            return memo[i]

        best: tuple[float, int] | None = None
        verdicts: dict[int, list[Evidence]] = defaultdict(list)
        for i in self._candidates(f):
            other = self._entries[i]
            if self._within(item.time, other.time):
                verdicts[other.story].append(decided(i))
        for story_id, found in verdicts.items():
            score = self._joins(story_id, found, decided)
            if score is not None and (best is None or score > best[0]):
                best = (score, story_id)
        if best is None:
            story = len(self._stories)
            self._stories.append([])
            self._members.append([])
        else:
            story = best[1]
        self._stories[story].append(item.key)
        index = len(self._entries)
        self._members[story].append(index)
        self._entries.append(_Entry(item.key, item.time, f, story))
        sig = f.signature
        if len(f.shingle_set):
            for band in range(0, _PERMUTATIONS, _BAND_ROWS):
                self._bands[(band, sig[band : band + _BAND_ROWS].tobytes())].append(index)
        for feat in _event_keys(f):
            self._postings[feat].append(index)
        return story

    @property
    def stories(self) -> list[Story]:
        return [Story(tuple(keys)) for keys in self._stories]


def _event_keys(f: Features) -> list[str]:
    keys = [f"q{h}" for h in f.quote_shingles]
    keys += [f"f{x}" for x in f.figures]
    keys += [f"n{x}" for x in f.names]
    return keys


def cluster(items: list[ClusterItem], window: timedelta = DEFAULT_WINDOW) -> list[Story]:
    """Stories of ``items``: every item in exactly one, items taken oldest first."""
    order = sorted(range(len(items)), key=lambda i: (items[i].time is None, _sort_time(items[i].time), i))
    index = StoryIndex(window)
    for i in order:
        index.add(items[i])
    return index.stories


def _sort_time(t: datetime | None) -> float:
    return t.timestamp() if t is not None else 0.0
