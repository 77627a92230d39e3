"""Discord sharding settings: DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS.

Discord requires sharding from 2,500 guilds on; it also lets several replicas split the
gateway load: each runs `briefbot run` with the same DISCORD_SHARD_COUNT and its own
DISCORD_SHARD_IDS ("0-3", "4,5,6,7"). Unset, discord.py's defaults apply (one shard, or
Discord's recommendation under AutoShardedClient). Scheduled digests are unaffected:
the leader posts through REST, which needs no particular shard.

The adapter uses it as::

    plan = shard_plan(settings.discord_shard_count, settings.discord_shard_ids)
    client = discord.AutoShardedClient(**plan.client_options(), intents=...) if plan.sharded \
        else discord.Client(intents=...)
"""

from __future__ import annotations

from dataclasses import dataclass


class ShardSettingsError(ValueError):
    """DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS are wrong; the message is one sentence."""


@dataclass(frozen=True)
class ShardPlan:
    count: int | None = None
    ids: tuple[int, ...] | None = None

    @property
    def sharded(self) -> bool:
        return self.count is not None

    def client_options(self) -> dict[str, object]:
        """Keyword arguments for ``discord.AutoShardedClient``."""
        options: dict[str, object] = {}
        if self.count is not None:
            options["shard_count"] = self.count
        if self.ids is not None:
            options["shard_ids"] = list(self.ids)
        return options


#: Far above any real bot (Discord's largest bots run a few thousand shards).
_MAX_SHARDS = 100_000


def _parse_ids(text: str) -> tuple[int, ...]:
    ids: list[int] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part:
            low, high = part.split("-", 1)
            if not (low.isdigit() and high.isdigit()) or int(low) > int(high):
                raise ShardSettingsError(f"DISCORD_SHARD_IDS has a bad range {part!r}: write it like 0-3.")
            if int(high) - int(low) >= _MAX_SHARDS:  # a typo must not build a billion-entry list
                raise ShardSettingsError(f"DISCORD_SHARD_IDS range {part!r} spans more than {_MAX_SHARDS} shards.")
            ids.extend(range(int(low), int(high) + 1))
        elif part.isdigit():
            ids.append(int(part))
        else:
            raise ShardSettingsError(f"DISCORD_SHARD_IDS has {part!r}, not a shard number: write it like 0,1 or 0-3.")
    return tuple(sorted(set(ids)))


def shard_plan(count: int | str | None = None, ids: str | None = None) -> ShardPlan:
    """Validate the two settings (``Settings.discord_shard_count``/``_ids``) into a plan."""
    if count in (None, ""):
        if ids:
            raise ShardSettingsError("DISCORD_SHARD_IDS is set without DISCORD_SHARD_COUNT: set both.")
        return ShardPlan()
    try:
        total = int(str(count))
    except (TypeError, ValueError):
        raise ShardSettingsError(f"DISCORD_SHARD_COUNT must be a whole number, not {count!r}.") from None
    if total < 1:
        raise ShardSettingsError("DISCORD_SHARD_COUNT must be at least 1.")
    if not ids:
        return ShardPlan(total, None)
    chosen = _parse_ids(ids)
    if not chosen:
        raise ShardSettingsError("DISCORD_SHARD_IDS names no shard.")
    if chosen[-1] >= total:
        raise ShardSettingsError(
            f"DISCORD_SHARD_IDS names shard {chosen[-1]}, but shards are numbered "
            f"0 to {total - 1} for DISCORD_SHARD_COUNT={total}."
        )
    return ShardPlan(total, chosen)
