"""Checking what users type: times, time zones, days, lengths, URLs.

Each parser returns the clean value or raises ``InputError`` whose text is the short,
specific reply the user gets (shown only to them).
"""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES = {
    **{d: d for d in DAY_NAMES},
    "monday": "mon",
    "tuesday": "tue",
    "tues": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "thur": "thu",
    "thurs": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
_DAY_SETS = {
    "daily": "*",
    "everyday": "*",
    "every day": "*",
    "*": "*",
    "all": "*",
    "weekdays": "mon-fri",
    "weekday": "mon-fri",
    "weekends": "sat,sun",
    "weekend": "sat,sun",
}
FEED_URL_CHARS = 2048
_TIME = re.compile(r"^\s*(\d{1,2})[:h.](\d{2})\s*$")


class InputError(ValueError):
    """Wrong input; ``str()`` is the reply."""


def parse_time(value: object) -> tuple[int, int]:
    text = str(value or "").strip()
    m = _TIME.match(text)
    if not m:
        raise InputError(f"“{text}” is not a time: use HH:MM on a 24-hour clock, e.g. 08:00 or 17:30.")
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        raise InputError(f"“{text}” is not a time of day: hours go 00-23 and minutes 00-59.")
    return hour, minute


@lru_cache(maxsize=1)
def _zones_by_lower() -> dict[str, str]:
    return {z.lower(): z for z in available_timezones()}


def parse_timezone(value: object) -> str:
    """An IANA zone name, case repaired (``europe/paris`` -> ``Europe/Paris``)."""
    text = str(value or "").strip()
    name = _zones_by_lower().get(text.lower())
    if name is None:
        raise InputError(
            f"“{text}” is not a time zone I know: use an IANA name such as Europe/Berlin, America/New_York or UTC."
        )
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"The time zone “{text}” could not be loaded.") from None
    return name


def parse_days(value: object) -> str:
    """Days as APScheduler's ``day_of_week``: ``*``, ``mon-fri``, ``sat,sun``, ``mon,wed-fri``."""
    text = " ".join(str(value or "daily").lower().split())
    if text in _DAY_SETS:
        return _DAY_SETS[text]
    parts = [p.strip() for p in re.split(r"[,\s]+", text) if p.strip()]
    out: list[str] = []
    for part in parts:
        ends = [e.strip() for e in part.split("-")]
        if len(ends) > 2 or any(e not in _DAY_ALIASES for e in ends):
            raise InputError(
                f"“{value}” is not a set of days: use daily, weekdays, mon-fri, sat,sun or a list such as mon,wed,fri."
            )
        days = [_DAY_ALIASES[e] for e in ends]
        if len(days) == 2 and DAY_NAMES.index(days[0]) > DAY_NAMES.index(days[1]):
            raise InputError(f"“{part}” runs backwards: write ranges Monday first, e.g. mon-fri.")
        out.append("-".join(days) if len(days) == 2 and days[0] != days[1] else days[0])
    if not out:
        raise InputError("No days given: use daily, mon-fri or sat,sun.")
    return ",".join(dict.fromkeys(out))


def describe_days(days: str) -> str:
    if days == "*":
        return "every day"
    if days == "mon-fri":
        return "Monday to Friday"
    return ", ".join(p.replace("-", "–").title() for p in days.split(","))


def parse_sentences(value: object, default: int = 3) -> int:
    if value is None or value == "":
        return default
    try:
        n = int(str(value).strip())
    except ValueError:
        raise InputError(f"“{value}” is not a number of sentences: give a whole number from 1 to 10.") from None
    if not 1 <= n <= 10:
        raise InputError(f"A summary can have 1 to 10 sentences, not {n}.")
    return n


#: What a digest may hold: stories shown as cards, and summary sentences per story.
DIGEST_STORIES = (1, 25)
DIGEST_SENTENCES = (1, 5)


def _bounded(value: object, bounds: tuple[int, int], what: str) -> int | None:
    if value is None or value == "":
        return None
    low, high = bounds
    try:
        n = int(str(value).strip())
    except ValueError:
        raise InputError(f"“{value}” is not a number of {what}: give a whole number from {low} to {high}.") from None
    if not low <= n <= high:
        raise InputError(f"A digest can show {low} to {high} {what}, not {n}.")
    return n


def parse_digest_stories(value: object) -> int | None:
    """Stories a digest shows as cards (the rest as headlines); None when not given."""
    return _bounded(value, DIGEST_STORIES, "stories")


def parse_digest_sentences(value: object) -> int | None:
    """Summary sentences per story in a digest; None when not given."""
    return _bounded(value, DIGEST_SENTENCES, "summary sentences per story")


ARCHIVE_DAYS = (1, 30)


def parse_archive_days(value: object) -> int | None:
    """How many days back a quote search looks; None when not given."""
    if value is None or value == "":
        return None
    low, high = ARCHIVE_DAYS
    try:
        n = int(str(value).strip())
    except ValueError:
        raise InputError(f"“{value}” is not a number of days: give a whole number from {low} to {high}.") from None
    if not low <= n <= high:
        raise InputError(f"Quotes are kept for {high} days: give days from {low} to {high}, not {n}.")
    return n


def require(options, name: str, what: str) -> str:
    value = str(options.get(name) or "").strip()
    if not value:
        raise InputError(f"Give {what}.")
    return value


def parse_feed_url(value: object) -> str:
    text = str(value or "").strip().strip("<>")
    if not re.match(r"^https?://[^\s/]+", text, re.IGNORECASE):
        raise InputError(f"“{text}” is not a feed URL: give a link starting with https:// or http://.")
    if len(text) > FEED_URL_CHARS:  # the database column's length
        raise InputError(
            f"That feed URL is {len(text):,} characters long; a feed's address can have at most {FEED_URL_CHARS:,}."
        )
    return text
