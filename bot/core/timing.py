"""Schedule arithmetic: when a channel's digest fires, in its own zone, across DST.

APScheduler's ``CronTrigger`` does the calendar work; this module adds what the bot
needs on top of it without running a scheduler: the fire times in a span (for catch-up
after a restart and for DST tests), the most recent one, and the local date a fire
belongs to. When clocks go back, the trigger yields the repeated wall time twice; only
the first counts (``fold == 0``), so the day still has exactly one digest.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

#: How far back to look for a missed fire (weekly schedules need a week).
LOOKBACK = timedelta(days=8)


def make_trigger(hour: int, minute: int, tz: str, days: str = "*", second: int = 0) -> CronTrigger:
    return CronTrigger(hour=hour, minute=minute, second=second, day_of_week=days, timezone=ZoneInfo(tz))


def _is_repeat(fire: datetime) -> bool:
    """The second pass through a wall time when clocks go back."""
    if not fire.fold:
        return False
    first = fire.replace(fold=0)
    return first.utcoffset() != fire.utcoffset()


def fire_times(trigger: CronTrigger, after: datetime, until: datetime) -> list[datetime]:
    """Fire times in ``(after, until]``, in UTC.

    UTC because a wall time inside the spring-forward gap (02:30 that never happens)
    never compares equal to anything in another zone (PEP 495); its instant is fine.
    """
    tz = trigger.timezone
    out: list[datetime] = []
    prev = None
    cursor = (after + timedelta(microseconds=1)).astimezone(tz)
    while True:
        nxt = trigger.get_next_fire_time(prev, cursor)
        if nxt is None or nxt > until:
            return out
        if not _is_repeat(nxt):
            out.append(nxt.astimezone(timezone.utc))
        prev = nxt
        cursor = (nxt.astimezone(timezone.utc) + timedelta(seconds=1)).astimezone(tz)


def latest_fire(trigger: CronTrigger, at: datetime, not_before: datetime | None = None) -> datetime | None:
    """The last fire at or before ``at`` (and after ``not_before``), or ``None``."""
    start = at - LOOKBACK
    if not_before is not None and not_before > start:
        start = not_before
    fires = fire_times(trigger, start, at)
    return fires[-1] if fires else None


def next_fire(trigger: CronTrigger, after: datetime) -> datetime | None:
    fires = fire_times(trigger, after, after + LOOKBACK)
    return fires[0] if fires else None


def local_date(fire: datetime, tz: str) -> str:
    """The calendar date (in the channel's zone) a fire belongs to: the digest's identity."""
    return fire.astimezone(ZoneInfo(tz)).date().isoformat()


def describe_local(when: datetime, tz: str) -> str:
    local = when.astimezone(ZoneInfo(tz))
    return local.strftime("%a %Y-%m-%d %H:%M %Z")
