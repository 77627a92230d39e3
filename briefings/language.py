"""Which language an article is in, and whether Briefbot can brief it.

The pipeline (spaCy model, cue verbs, speaker rules) is English. An article in another
language parsed as English gives an empty or nonsensical summary, so it is recognised
before parsing and gets one clear line instead.

The decision needed is "English or not", on article-length text, so no statistical
model is used: a writing system other than Latin names its language outright (Hangul:
Korean), and among Latin-script languages the share of each one's commonest function
words ("the", "of", "and" / "le", "de", "et") separates them by a wide margin on a few
hundred words. The word lists and script ranges live in ``lang/languages.json``. It
costs well under a millisecond per article, needs no download and no model, and it
only ever calls a text non-English when the evidence is clear: anything uncertain is
treated as English, so an English story never loses its summary to a guess.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from importlib import resources
from typing import Any

#: Characters of the text looked at (the opening of a story says what language it is in).
SAMPLE_CHARS = 2000
#: Letters of another script, as a share of all letters, that make it that script's text.
SCRIPT_SHARE = 0.4
#: A Latin-script text is language X when X's function words are at least this share of
#: its words and at least ``LEAD_FACTOR`` times English's share.
MIN_STOPWORD_SHARE = 0.12
LEAD_FACTOR = 2.0
#: English news has about a third of its words in the English list; this much decides.
CLEARLY_ENGLISH = 0.25
#: Fewer words than this say too little to call a text non-English.
MIN_WORDS = 20
#: Latin Extended Additional (Vietnamese letters): Latin script beyond U+0370.
_LATIN_EXTENDED = ("\u1e00", "\u1eff")
#: The code of a text in a script the language data does not list.
UNLISTED = "und"
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    text = resources.files("briefings.lang").joinpath("languages.json").read_text(encoding="utf-8")
    data = json.loads(text)
    data["stopsets"] = {lang: frozenset(words) for lang, words in data["stopwords"].items()}
    # A letter outside Latin and its extensions (listed script or not).
    data["script_re"] = re.compile(r"[^\W\d_\u0000-\u036f\u1e00-\u1eff]")
    return data


def name(code: str) -> str:
    """The language's English name ("ko" -> "Korean"); the code itself when unknown."""
    return _data()["names"].get(code, code)


def detect(text: str) -> str | None:
    """The ISO 639-1 code of ``text``'s language, or None when it cannot be told."""
    sample = text[:SAMPLE_CHARS]
    code = _by_script(sample)
    if code:
        return code
    return _by_function_words(sample)


def _by_script(sample: str) -> str | None:
    data = _data()
    if not data["script_re"].search(sample):
        return None  # no letter of another script: the common case, told in one C pass
    letters = unlisted = 0
    counts: dict[str, int] = {}
    ranges = [(lo, hi, lang) for lang, spans in data["scripts"].items() for lo, hi in spans]
    for ch in sample:
        if not ch.isalpha():
            continue
        letters += 1
        if ch < "\u0370" or _LATIN_EXTENDED[0] <= ch <= _LATIN_EXTENDED[1]:
            continue  # Latin and its extensions: the common case, checked first
        cp = ord(ch)
        for lo, hi, lang in ranges:
            if lo <= cp <= hi:
                counts[lang] = counts.get(lang, 0) + 1
                break
        else:
            unlisted += 1
    if not letters:
        return None
    if not counts or max(counts.values()) < unlisted:
        # A script the data does not list is still clearly not English.
        return UNLISTED if unlisted / letters >= SCRIPT_SHARE else None
    # Japanese writes Han characters among its kana; Chinese has no kana.
    if "ja" in counts and "zh" in counts:
        counts["ja"] += counts.pop("zh")
    lang, n = max(counts.items(), key=lambda kv: kv[1])
    if n / letters < SCRIPT_SHARE:
        return None
    for other, marks in data["script_marks"].get(lang, {}).items():
        if any(m in sample for m in marks):
            return other
    return lang


def _by_function_words(sample: str) -> str | None:
    words = _WORD.findall(sample.lower())
    if len(words) < MIN_WORDS:
        return None
    counts = Counter(words)
    stopsets = _data()["stopsets"]
    english = sum(counts[w] for w in stopsets["en"]) / len(words)
    if english >= CLEARLY_ENGLISH:
        return "en"
    shares = {lang: sum(counts[w] for w in stops) / len(words) for lang, stops in stopsets.items()}
    best = max(shares, key=shares.__getitem__)
    if not shares[best]:
        return None  # no function word of any listed language: nothing to tell it by
    if best == "en":
        return "en"
    if shares[best] >= MIN_STOPWORD_SHARE and shares[best] >= LEAD_FACTOR * shares["en"]:
        return best
    return "en" if shares["en"] >= MIN_STOPWORD_SHARE else None


def is_supported(code: str | None) -> bool:
    """Unknown counts as supported: only a clear other language is refused."""
    return code is None or code in _data()["supported"]


def unsupported_notice(code: str | None) -> str | None:
    """The one line a reader gets instead of a summary, or None for English."""
    if is_supported(code):
        return None
    if code == UNLISTED:
        return "This article is not in English; Briefbot summarizes English articles."
    return f"This article is in {name(code or '')}; Briefbot summarizes English articles."


#: The line a reader gets when an article in a language Briefbot reads gave no summary.
NO_SUMMARY = "No summary: Briefbot found no sentence of story text in this article."


def brief_notice(code: str | None, summary: tuple[str, ...] | list[str]) -> str | None:
    """The one line shown in place of a summary (another language, or nothing to
    summarize), so a reader never gets an empty brief without a word of why."""
    return unsupported_notice(code) or (None if summary else NO_SUMMARY)
