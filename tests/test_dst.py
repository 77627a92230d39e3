"""Exactly one digest per local day across Europe/Berlin's DST changes.

The clock is injected: for every time APScheduler's trigger would fire (including the
second pass through the repeated hour when clocks go back) the job runs, and so does
an hourly tick in between; each local day must get one digest, at the right instant.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import FakeClock
from bot.core.timing import fire_times, make_trigger
from bot.scheduling import DigestScheduler
from bot_helpers import CHANNEL, RecordingDeliverer, inv, open_core

BERLIN = ZoneInfo("Europe/Berlin")
SPRING = date(2026, 3, 29)  # last Sunday of March: 02:00 -> 03:00
AUTUMN = date(2026, 10, 25)  # last Sunday of October: 03:00 -> 02:00


def raw_fires(hour, minute, start, end):
    """What APScheduler itself yields (it fires twice in the repeated hour)."""
    trigger = make_trigger(hour, minute, "Europe/Berlin")
    out, prev, now = [], None, start.astimezone(BERLIN)
    while True:
        nxt = trigger.get_next_fire_time(prev, now)
        if nxt > end:
            return out
        out.append(nxt.astimezone(timezone.utc))
        prev, now = nxt, (nxt.astimezone(timezone.utc) + timedelta(seconds=1)).astimezone(BERLIN)


@pytest.mark.parametrize("change", [SPRING, AUTUMN], ids=["spring-forward", "fall-back"])
@pytest.mark.parametrize("hhmm", [(2, 30), (8, 0), (2, 0), (3, 0)], ids=["0230", "0800", "0200", "0300"])
async def test_one_digest_per_day_across_dst(tmp_path, change, hhmm):
    hour, minute = hhmm
    start = datetime.combine(change - timedelta(days=4), datetime.min.time(), BERLIN)
    end = datetime.combine(change + timedelta(days=4), datetime.min.time(), BERLIN)
    clock = FakeClock(start - timedelta(hours=1))
    core = open_core(tmp_path, clock)
    try:
        sched = DigestScheduler(core.store, core.service, clock, grace_seconds=3600)
        deliverer = RecordingDeliverer("discord")
        sched.register_deliverer(deliverer)
        reply = await core.service.handle(
            inv("schedule set", time=f"{hour:02d}:{minute:02d}", timezone="Europe/Berlin")
        )
        assert not reply.error
        fires = raw_fires(hour, minute, start, end)
        ticks = sorted(
            set(fires)
            | {
                start.astimezone(timezone.utc) + timedelta(hours=h)
                for h in range(0, int((end - start).total_seconds() // 3600), 2)
            }
        )
        posted_at = []
        for t in ticks:
            clock.set(t + timedelta(seconds=1))
            before = len(deliverer.sent)
            await sched.run_due(CHANNEL.key)
            if len(deliverer.sent) > before:
                posted_at.append(t)
        days = Counter(r.local_date for r in core.store.digests(CHANNEL.key))
        expected_days = {(change + timedelta(days=d)).isoformat() for d in range(-4, 4)}
        assert set(days) == expected_days and all(n == 1 for n in days.values())
        assert len(deliverer.sent) == len(expected_days)
        assert all(r.status == "posted" for r in core.store.digests(CHANNEL.key))
        # Every digest went out when its trigger fired (not late, at a tick).
        assert set(posted_at) <= set(fires)
        on_change_day = [d.scheduled_for for d in core.store.digests(CHANNEL.key) if d.local_date == change.isoformat()]
        day_start = datetime.combine(change, datetime.min.time(), BERLIN)
        day_end = datetime.combine(change + timedelta(days=1), datetime.min.time(), BERLIN)
        assert on_change_day == [fire_times(make_trigger(hour, minute, "Europe/Berlin"), day_start, day_end)[0]]
    finally:
        core.store.close()
        core.briefer.close()


def test_gap_and_repeat_instants():
    """02:30 on the spring day goes out at 03:30 CEST; on the autumn day at the first 02:30."""
    t = make_trigger(2, 30, "Europe/Berlin")
    spring = fire_times(t, datetime(2026, 3, 29, tzinfo=timezone.utc), datetime(2026, 3, 30, tzinfo=timezone.utc))
    assert [f.astimezone(timezone.utc) for f in spring] == [datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc)]
    assert spring[0].astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"
    autumn = fire_times(
        t, datetime(2026, 10, 24, 22, tzinfo=timezone.utc), datetime(2026, 10, 25, 22, tzinfo=timezone.utc)
    )
    assert [f.astimezone(timezone.utc) for f in autumn] == [datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)]
