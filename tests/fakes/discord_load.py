"""A 50-story digest while interactions keep arriving: the event loop must stay free.

Shared by ``tests/test_discord_load.py`` (asserts every interaction is deferred within a
second) and ``bench/event_loop_stall.py`` (prints the loop's worst stall). The bot is
the real one — core, feed poller, scheduler's digest path, Discord adapter — against
``FakeDiscord``; a channel follows a feed that suddenly carries 50 new stories, the
poller fetches and briefs them, and the channel's scheduled digest is built and posted,
while a user fires a slash command every ``interval`` seconds.

Loop lag is measured by a probe task that asks to sleep ``PROBE_PERIOD`` and records how
much later than that it actually woke up: any synchronous work on the loop (parsing,
SQL, rendering) shows up as lateness.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from fakes.discord_harness import DiscordHarness
from fakes.discord_server import MANAGE_CHANNELS, MEMBER_PERMISSIONS, FakeDiscord

PROBE_PERIOD = 0.005
STORIES = 50


class LoopLagProbe:
    """Records how late the loop wakes a task that sleeps ``period`` seconds, repeatedly."""

    def __init__(self, period: float = PROBE_PERIOD) -> None:
        self.period = period
        self.lags: list[float] = []
        # CPU time the loop's thread used in each probe interval: a stall with little CPU
        # was the OS (or another thread holding the GIL), not code running on the loop.
        self.cpu: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started, cpu_started = loop.time(), time.thread_time()
            await asyncio.sleep(self.period)
            self.lags.append(max(0.0, loop.time() - started - self.period))
            self.cpu.append(time.thread_time() - cpu_started)

    def start(self) -> "LoopLagProbe":
        self._task = asyncio.create_task(self._run(), name="loop-lag-probe")
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    @property
    def worst(self) -> float:
        return max(self.lags, default=0.0)

    @property
    def worst_busy(self) -> float:
        """The worst stall counting only the loop thread's own CPU time in it."""
        return max((min(lag, cpu) for lag, cpu in zip(self.lags, self.cpu)), default=0.0)

    @property
    def cpu_in_worst(self) -> float:
        if not self.lags:
            return 0.0
        return self.cpu[self.lags.index(self.worst)]

    def percentile(self, q: float) -> float:
        if not self.lags:
            return 0.0
        ordered = sorted(self.lags)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class LoadResult:
    stories: int
    digest_seconds: float
    digest_outcome: str
    digest_messages: int
    digest_cards: int
    interactions: int
    deferral_latencies: list[float] = field(default_factory=list)
    answered: int = 0
    worst_stall: float = 0.0
    worst_busy_stall: float = 0.0
    cpu_in_worst: float = 0.0
    p99_stall: float = 0.0
    median_stall: float = 0.0
    probe_samples: int = 0
    articles_briefed: int = 0

    def summary(self) -> str:
        lat = self.deferral_latencies or [0.0]
        return (
            f"{self.stories}-story digest: {self.digest_outcome} in {self.digest_seconds:.2f} s, "
            f"{self.digest_messages} channel message(s), {self.digest_cards} embed(s), "
            f"{self.articles_briefed} article(s) briefed\n"
            f"interactions during it: {self.interactions}, answered {self.answered}, "
            f"deferred within max {max(lat) * 1000:.0f} ms "
            f"(median {statistics.median(lat) * 1000:.0f} ms)\n"
            f"event loop stall: worst {self.worst_stall * 1000:.1f} ms "
            f"(loop thread on CPU for {self.cpu_in_worst * 1000:.1f} ms of it), "
            f"p99 {self.p99_stall * 1000:.1f} ms, median {self.median_stall * 1000:.2f} ms "
            f"({self.probe_samples} probes of {PROBE_PERIOD * 1000:.0f} ms)\n"
            f"worst stall by CPU spent on the loop thread: {self.worst_busy_stall * 1000:.1f} ms"
        )


def publish_stories(http_server: Any, count: int, first: int = 100) -> str:
    """``count`` distinct story pages plus an RSS feed listing them; returns the feed URL."""
    from bot_helpers import rss, story

    items = []
    for n in range(first, first + count):
        path = f"/load/story/{n}"
        http_server.route(path, story(n, topic=f"the district {n} tram line"), content_type="text/plain; charset=utf-8")
        items.append(
            {"guid": f"load-{n}", "link": http_server.url(path), "title": f"Plan {n} for the district {n} tram line"}
        )
    http_server.route(
        "/load/feed.xml", rss("Load News", items), etag=f'"n{count}"', content_type="application/rss+xml; charset=utf-8"
    )
    return http_server.url("/load/feed.xml")


async def run_digest_under_interactions(
    tmp_path: Path,
    fake: FakeDiscord,
    http_server: Any,
    *,
    briefer: Any = None,
    interval: float = 0.1,
    stories: int = STORIES,
) -> LoadResult:
    """Start the bot, then poll + brief + post a ``stories``-story digest under interactions."""
    from bot.core.interface import ChannelRef
    from bot.scheduling import DigestScheduler

    http_server.route(
        "/load/feed.xml",
        '<?xml version="1.0"?><rss version="2.0"><channel>'
        "<title>Load News</title><link>http://127.0.0.1/</link>"
        "<description>t</description></channel></rss>",
        content_type="application/rss+xml; charset=utf-8",
    )
    feed_url = http_server.url("/load/feed.xml")
    harness = DiscordHarness(tmp_path, fake, feed_poll_seconds=3600)
    await harness.start(scheduler_class=DigestScheduler, briefer=briefer)
    manager = MEMBER_PERMISSIONS | MANAGE_CHANNELS
    try:
        channel = ChannelRef("discord", fake.channel_id, fake.guild_id)
        core, scheduler = harness.core, harness.scheduler
        add = await fake.interact("feeds", {"url": feed_url}, subcommand="add", permissions=manager)
        await fake.wait_for(lambda: fake.followups_for(add), 15, "/feeds add")
        # schedule the digest two minutes ahead; the run below acts at that moment
        due_local = core.clock.now() + timedelta(minutes=2)
        sched = await fake.interact(
            "schedule", {"time": f"{due_local:%H:%M}", "timezone": "UTC"}, subcommand="set", permissions=manager
        )
        await fake.wait_for(lambda: fake.followups_for(sched), 15, "/schedule set")
        publish_stories(http_server, stories)

        before_ids = set(fake.interactions)
        briefed_before = core.briefer.articles_briefed
        # What earlier tests of this process left on the heap is not the bot's: collect it
        # now and keep the survivors out of the collections the run itself triggers. (Once,
        # in a full-suite run, the loop thread spent 0.34 s of CPU in one probe interval;
        # a full collection over a long test session's heap is the likely cause.)
        gc.collect()
        gc.freeze()
        probe = LoopLagProbe().start()
        stop = asyncio.Event()

        async def interactions() -> None:
            commands = [("help", None, None), ("feeds", None, "list"), ("schedule", None, "show")]
            i = 0
            while not stop.is_set():
                name, options, sub = commands[i % len(commands)]
                await fake.interact(name, options, subcommand=sub)
                i += 1
                try:
                    await asyncio.wait_for(stop.wait(), timeout=interval)
                except asyncio.TimeoutError:
                    pass

        sender = asyncio.create_task(interactions())
        started = time.monotonic()
        feeds = await core.store.run(core.store.channel_feeds, channel.key)
        await scheduler.poller.poll(feeds[0])  # fetch the feed, brief the new stories
        fire_at = due_local.replace(second=1, microsecond=0)
        outcome = await scheduler.run_due(channel.key, now=fire_at)
        digest_seconds = time.monotonic() - started
        await asyncio.sleep(3 * interval)
        stop.set()
        await sender
        sent = [iid for iid in fake.interactions if iid not in before_ids]
        await fake.wait_for(lambda: all(fake.followups_for(i) for i in sent), 30, "answers to every interaction")
        await probe.stop()

        latencies = []
        for iid in sent:
            callback = fake.callback_for(iid)
            latencies.append(callback.at - fake.interactions[iid].at if callback else float("inf"))
        messages = fake.channel_messages()
        return LoadResult(
            stories=stories,
            digest_seconds=digest_seconds,
            digest_outcome=outcome,
            digest_messages=len(messages),
            digest_cards=sum(len(m.embeds) for m in messages),
            interactions=len(sent),
            deferral_latencies=latencies,
            answered=sum(1 for i in sent if fake.followups_for(i)),
            worst_stall=probe.worst,
            worst_busy_stall=probe.worst_busy,
            cpu_in_worst=probe.cpu_in_worst,
            p99_stall=probe.percentile(0.99),
            median_stall=probe.percentile(0.5),
            probe_samples=len(probe.lags),
            articles_briefed=core.briefer.articles_briefed - briefed_before,
        )
    finally:
        gc.unfreeze()
        await harness.close()
