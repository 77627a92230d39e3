"""DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS validation, and a real AutoShardedClient from it."""

import discord
import pytest

from bot.ops.sharding import ShardPlan, ShardSettingsError, shard_plan


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    monkeypatch.delenv("DISCORD_SHARD_COUNT", raising=False)
    monkeypatch.delenv("DISCORD_SHARD_IDS", raising=False)


def test_unset_means_unsharded():
    assert shard_plan() == ShardPlan() and not shard_plan().sharded


def test_count_and_ids_from_the_settings(monkeypatch):
    from bot.settings import load_settings

    monkeypatch.setenv("DISCORD_SHARD_COUNT", "8")
    monkeypatch.setenv("DISCORD_SHARD_IDS", "0-2, 5")
    plan = load_settings(_env_file=None).shard_plan()
    assert plan == ShardPlan(8, (0, 1, 2, 5))
    assert plan.client_options() == {"shard_count": 8, "shard_ids": [0, 1, 2, 5]}


@pytest.mark.parametrize(
    "count, ids, message",
    [
        ("two", None, "DISCORD_SHARD_COUNT must be a whole number"),
        ("0", None, "at least 1"),
        (None, "0,1", "without DISCORD_SHARD_COUNT"),
        ("4", "3-1", "bad range"),
        ("4", "a", "not a shard number"),
        ("4", "4", "numbered 0 to 3"),
    ],
)
def test_bad_settings_are_one_sentence(count, ids, message):
    with pytest.raises(ShardSettingsError, match=message):
        shard_plan(count, ids)


def test_plan_builds_a_real_auto_sharded_client():
    client = discord.AutoShardedClient(intents=discord.Intents.none(), **shard_plan("4", "1,3").client_options())
    assert client.shard_count == 4 and client.shard_ids == [1, 3]


def test_a_huge_shard_range_is_refused_without_building_it():
    from bot.ops.sharding import ShardSettingsError, shard_plan

    with pytest.raises(ShardSettingsError, match="spans more than"):
        shard_plan(count="16", ids="0-1000000000")


def test_a_wrong_shard_setting_stops_the_start_in_one_sentence(monkeypatch):
    from bot.settings import SettingsError, load_settings

    monkeypatch.setenv("DISCORD_SHARD_COUNT", "4")
    monkeypatch.setenv("DISCORD_SHARD_IDS", "4")
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    assert str(caught.value) == (
        "DISCORD_SHARD_IDS names shard 4, but shards are numbered 0 to 3 for DISCORD_SHARD_COUNT=4."
    )
    assert "\n" not in str(caught.value)
