"""The Discord slash-command tree, built from the command layer's catalogue.

The tree is generated from ``bot.core.interface.COMMAND_SPECS`` rather than written out
command by command, so a new command or option in the catalogue shows up on Discord
without touching the adapter (and changes the synced-commands hash, so it is synced).
Every generated callback does the same thing: hand ``(interaction, command, values)``
to the adapter, which defers and calls the command layer.
"""

from __future__ import annotations

import inspect
from typing import Any, Awaitable, Callable

import discord
from discord import app_commands

from bot.core.interface import COMMAND_SPECS, ChannelRef, CommandSpec, Invocation, OptionSpec

CommandHandler = Callable[[discord.Interaction, str, dict[str, Any]], Awaitable[None]]
# (interaction, command name, option name, what the user typed so far) -> suggestions
Completer = Callable[[discord.Interaction, str, str, str], Awaitable[list[str]]]

GROUP_DESCRIPTIONS = {
    "feeds": "The feeds this channel follows",
    "schedule": "This channel's daily digest",
}
# Replies to these are private to the invoker (the catalogue says which). The deferral
# has to choose before the command runs, so it cannot wait for ``Reply.ephemeral``.
EPHEMERAL_COMMANDS = frozenset(spec.name for spec in COMMAND_SPECS if spec.ephemeral)
CHOICES_LIMIT = 25
CHOICE_LENGTH = 100
DESCRIPTION_LIMIT = 100


def build_tree(
    client: discord.Client, on_command: CommandHandler, on_autocomplete: Completer
) -> app_commands.CommandTree:
    tree = app_commands.CommandTree(client)
    groups: dict[str, app_commands.Group] = {}
    for spec in COMMAND_SPECS:
        command = _command(spec, on_command, on_autocomplete)
        if spec.subcommand is None:
            tree.add_command(command)
            continue
        group = groups.get(spec.group)
        if group is None:
            description = GROUP_DESCRIPTIONS.get(spec.group, f"{spec.group.title()} commands")
            group = groups[spec.group] = app_commands.Group(name=spec.group, description=description)
            tree.add_command(group)
        group.add_command(command)
    return tree


def _annotation(option: OptionSpec) -> Any:
    if option.type == "integer":
        if option.min_value is None and option.max_value is None:
            return int
        return app_commands.Range[int, option.min_value, option.max_value]
    return str


def _command(
    spec: CommandSpec, on_command: CommandHandler, on_autocomplete: Completer
) -> app_commands.Command[Any, Any, None]:
    name = spec.subcommand or spec.name

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await on_command(interaction, spec.name, values)

    # discord.py reads options from the callback's signature: give it one per OptionSpec.
    params = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction)]
    for option in spec.options:
        default = inspect.Parameter.empty if option.required else None
        params.append(
            inspect.Parameter(
                option.name, inspect.Parameter.KEYWORD_ONLY, annotation=_annotation(option), default=default
            )
        )
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = name.replace(" ", "_")

    if spec.options:
        app_commands.describe(**{o.name: o.description[:DESCRIPTION_LIMIT] for o in spec.options})(callback)
    choices = {o.name: [app_commands.Choice(name=c, value=c) for c in o.choices] for o in spec.options if o.choices}
    if choices:
        app_commands.choices(**choices)(callback)
    completers = {o.name: _completer(spec.name, o.name, on_autocomplete) for o in spec.options if o.autocomplete}
    if completers:
        app_commands.autocomplete(**completers)(callback)
    return app_commands.Command(name=name, description=spec.description[:DESCRIPTION_LIMIT], callback=callback)


def _completer(command: str, option: str, on_autocomplete: Completer) -> Any:
    async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = await on_autocomplete(interaction, command, option, current)
        unique = list(dict.fromkeys(n[:CHOICE_LENGTH] for n in names if n))
        return [app_commands.Choice(name=n, value=n) for n in unique[:CHOICES_LIMIT]]

    return complete


def can_manage(interaction: discord.Interaction, manager_role: str | None) -> bool:
    """Manage Channels in this channel, or a role named (or id'd) by DISCORD_MANAGER_ROLE."""
    if interaction.permissions.manage_channels:
        return True
    wanted = (manager_role or "").strip().lower()
    if not wanted:
        return False
    roles = getattr(interaction.user, "roles", None) or []
    if any(role.name.lower() == wanted or str(role.id) == wanted for role in roles):
        return True
    raw_ids = getattr(interaction.user, "_roles", None) or ()  # ids even if the guild is uncached
    return any(str(role_id) == wanted for role_id in raw_ids)


def to_invocation(
    interaction: discord.Interaction, command: str, values: dict[str, Any], manager_role: str | None
) -> Invocation:
    channel = ChannelRef(
        platform="discord",
        channel_id=str(interaction.channel_id or getattr(interaction.channel, "id", None) or ""),
        guild_id=str(interaction.guild_id) if interaction.guild_id else None,
    )
    options = {k: v for k, v in values.items() if v is not None}
    return Invocation(
        channel=channel,
        user_id=str(interaction.user.id),
        command=command,
        options=options,
        can_manage=can_manage(interaction, manager_role),
    )
