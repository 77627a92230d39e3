"""Persistent state: feeds, subscriptions, schedules, seen entries, cached briefs, digests."""

from bot.storage.db import Store, open_store
from bot.storage.models import Digest, Feed, StoredEntry, Schedule, Subscription

__all__ = ["Store", "open_store", "Digest", "Feed", "StoredEntry", "Schedule", "Subscription"]
