"""The command catalogue carries what differs per platform: which answers are private, and
how a command is typed, so help and refusals name only what that platform has."""

from __future__ import annotations

import re

from bot.core.interface import COMMAND_SPECS, ChannelRef, command_syntax
from bot.platforms.discord_commands import EPHEMERAL_COMMANDS
from bot.platforms.slack_commands import parse
from bot_helpers import inv, open_core

SLACK = ChannelRef("slack", "C1", "T1")
DISCORD = ChannelRef("discord", "1", "9")


def test_ephemerality_is_a_field_of_the_catalogue():
    assert EPHEMERAL_COMMANDS == {s.name for s in COMMAND_SPECS if s.ephemeral}
    assert {"help", "feeds add", "schedule set"} <= EPHEMERAL_COMMANDS
    assert not {"brief", "quotes", "digest"} & EPHEMERAL_COMMANDS


async def test_slack_help_lists_only_commands_the_slack_app_has(tmp_path):
    core = open_core(tmp_path)
    try:
        reply = await core.service.handle(inv("help", channel=SLACK))
        typed = re.findall(r"^(/\S+(?: \S+)?)", reply.text, re.M)
        assert typed and all(t.startswith("/briefbot ") for t in typed), typed
        assert "/briefbot help" in reply.text
        for spec in COMMAND_SPECS:  # every line as typed works in the Slack parser
            assert parse("/briefbot", command_syntax("slack", spec.name).removeprefix("/briefbot ")).command in (
                spec.name,
                None,
            )
        on_discord = await core.service.handle(inv("help", channel=DISCORD))
        assert "/briefbot" not in on_discord.text and "/feeds add" in on_discord.text
    finally:
        await core.aclose()


async def test_a_refusal_names_only_the_platforms_own_permission(tmp_path):
    core = open_core(tmp_path)
    try:
        slack = await core.service.handle(inv("feeds add", channel=SLACK, manage=False, url="https://x.example/rss"))
        assert slack.error and "admins" in slack.text
        assert "Discord" not in slack.text and "Manage Channels" not in slack.text
        discord = await core.service.handle(inv("schedule off", channel=DISCORD, manage=False))
        assert discord.error and "Manage Channels" in discord.text
        assert "Slack" not in discord.text and "user group" not in discord.text
        unknown = await core.service.handle(inv("nope", channel=SLACK))
        assert "/briefbot help" in unknown.text
    finally:
        await core.aclose()
