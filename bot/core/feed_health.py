"""Feeds that say when they break: one notice per channel when a feed has failed for a day,
one when it works again, and a pause (with a notice) when it has been gone for a week.

Each notice is claimed in the database before it is posted (``bot.storage.health``), so
it is posted at most once on any number of replicas and across restarts. What counts as
"gone" is decided by ``feed_gone`` from the failure itself: the address answers 404 or
410, or what it serves is no feed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from bot.core.clock import Clock
from bot.core.interface import ChannelRef, Deliverer, Reply
from bot.storage.db import Store
from bot.storage.health import NoticeDue
from briefings.feeds import FeedError
from briefings.fetching import HTTPStatusError, RefusedURL, UnsupportedContent

log = logging.getLogger(__name__)

#: A feed failing this long gets a notice in each channel that follows it.
FAILING_AFTER = timedelta(hours=24)
#: A feed gone (404/410, not a feed) this long is paused.
PAUSE_AFTER = timedelta(days=7)
_GONE_STATUSES = frozenset({404, 410})


def failure_cause(exc: BaseException | None) -> str:
    """What a failure says about a feed: ``gone`` (404/410, or what it serves is no feed),
    ``refused`` (401/403, or an address Briefbot may not fetch) or ``down`` (anything else:
    timeouts, 5xx, connection errors, which usually pass)."""
    if isinstance(exc, HTTPStatusError):
        if exc.status in _GONE_STATUSES:
            return "gone"
        return "refused" if exc.status in (401, 403) else "down"
    if isinstance(exc, (FeedError, UnsupportedContent)):
        return "gone"
    return "refused" if isinstance(exc, RefusedURL) else "down"


def _name(n: NoticeDue) -> str:
    return f"{n.title} ({n.url})" if n.title else n.url


def _who_fixes(n: NoticeDue) -> str:
    if n.cause == "gone":
        return (
            "The site no longer serves a feed at that address: a manager of this channel can "
            "find its new address and /feeds add it (then /feeds remove the old one)."
        )
    if n.cause == "refused":
        return (
            "The site refuses Briefbot: its publisher can allow it, or a manager of this channel can /feeds remove it."
        )
    return (
        "This looks like the site's own trouble: its publisher can fix it; Briefbot keeps "
        "trying and will say when it works again. A manager can /feeds remove it."
    )


def notice_text(n: NoticeDue) -> str:
    """The bot's own words for one notice (article text never appears here)."""
    if n.kind == "failing":
        return (
            f"Feed trouble: {_name(n)} has not been readable for over 24 hours "
            f"(last error: {n.error or 'unknown'}). {_who_fixes(n)}"
        )
    if n.kind == "recovered":
        return f"Feed back: {_name(n)} works again; its new stories will be in this channel's digest."
    return (
        f"Feed paused: {_name(n)} has been gone for 7 days (last error: {n.error or 'unknown'}), so "
        "Briefbot stopped polling it. A manager can /feeds add it again once it is back, "
        "or /feeds remove it."
    )


class FeedHealth:
    """Posts the feed notices that are due (called after every poll round)."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        failing_after: timedelta = FAILING_AFTER,
        pause_after: timedelta = PAUSE_AFTER,
    ) -> None:
        self.store = store
        self.clock = clock
        self.failing_after = failing_after
        self.pause_after = pause_after

    async def notify(self, deliverers: Mapping[str, Deliverer]) -> list[NoticeDue]:
        """Pause feeds gone long enough, then claim and post every notice due; returns those posted."""
        now = self.clock.now()
        paused = await self.store.run(self.store.pause_gone_feeds, now, self.pause_after)
        if paused:
            log.warning("paused %d feeds gone for %s: %s", len(paused), self.pause_after, paused)
        posted = []
        for notice in await self.store.run(self.store.notices_due, now, self.failing_after):
            ref = ChannelRef.from_key(notice.channel)
            deliverer = deliverers.get(ref.platform)
            if deliverer is None:  # another process serves that platform: leave it unclaimed
                continue
            claim = await self.store.run(self.store.claim_notice, notice, now)
            if claim is None:
                continue
            try:
                await deliverer.deliver(ref, Reply(text=notice_text(notice)))
            except Exception:
                log.exception(
                    "feed notice (%s) for %s in %s could not be posted", notice.kind, notice.url, notice.channel
                )
                continue
            await self.store.run(self.store.notice_posted, claim, self.clock.now())
            log.info("feed notice (%s) for %s posted in %s", notice.kind, notice.url, notice.channel)
            posted.append(notice)
        return posted
