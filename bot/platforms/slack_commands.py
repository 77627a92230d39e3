"""Slack slash-command text -> (command name, options), driven by the command catalogue.

Slack hands an app one free-text string per slash command (``/feeds add https://...``),
where Discord hands it typed options. This module is the only place that reads that
string, and it reads it with ``COMMAND_SPECS`` alone: the first word picks a
sub-command when the command has any, then words fill the options in catalogue order,
the last text option taking the rest of the line (a speaker's name has spaces).
``name:value`` words set an option by name, so the command layer's hints
(``/schedule set time:08:00 timezone:Europe/Berlin``) work as typed. It checks syntax
only; the command layer validates values and permissions.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from bot.core.interface import COMMAND_SPECS, CommandSpec, OptionSpec, command_syntax

# Slack may send links as <https://x|label> or <https://x> (with "escape" enabled) and
# always entity-encodes &, < and >.
_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>\s]+)(?:\|[^>]*)?>")

# Slash commands the app registers, and the catalogue group each one opens.
SLASH_GROUPS: dict[str, str | None] = {
    "/brief": "brief",
    "/quotes": "quotes",
    "/digest": "digest",
    "/feeds": "feeds",
    "/schedule": "schedule",
    "/briefbot": None,  # /briefbot <any command ...>; empty means help
}


@dataclass(frozen=True)
class ParsedCommand:
    """Either a command with options, or a usage message to show the user."""

    command: str | None
    options: dict[str, str | int] = field(default_factory=dict)
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.command is not None and self.problem is None


def clean_text(text: str) -> str:
    """Undo Slack's link wrapping and entity encoding of the command text."""
    return html.unescape(_SLACK_LINK.sub(lambda m: m.group(1), text or "")).strip()


def parse(slash: str, text: str) -> ParsedCommand:
    """Read ``/slash text`` into a catalogue command name and its options."""
    words = clean_text(text).split()
    group = SLASH_GROUPS.get(slash.lower())
    if slash.lower() not in SLASH_GROUPS:
        return ParsedCommand(None, problem=f"Unknown command `{slash}`.\n{usage()}")
    if group is None:  # /briefbot
        if not words:
            return ParsedCommand("help")
        group, words = words[0].lower(), words[1:]
    specs = [s for s in COMMAND_SPECS if s.group == group]
    if not specs:
        return ParsedCommand(None, problem=f"Unknown command `{group}`.\n{usage()}")
    spec = _pick(specs, words)
    if spec is None:
        return ParsedCommand(None, problem=_usage_of(specs, "Choose one of:"))
    if spec.subcommand:
        words = words[1:]
    return _fill(spec, words)


def _pick(specs: list[CommandSpec], words: list[str]) -> CommandSpec | None:
    if len(specs) == 1 and specs[0].subcommand is None:
        return specs[0]
    wanted = words[0].lower() if words else ""
    return next((s for s in specs if s.subcommand == wanted), None)


def _fill(spec: CommandSpec, words: list[str]) -> ParsedCommand:
    """Options by keyword (``time:08:00``, as the help text writes them) or by position."""
    options, words = _keywords(spec, words)
    in_order = [o for o in spec.options if o.positional]
    for index, option in enumerate(in_order):
        if not words:
            break
        if option.name in options:
            continue
        rest_of_line = option.type == "string" and index == len(in_order) - 1
        if rest_of_line:
            value: str | int = " ".join(words)
            words = []
        else:
            value, words = _typed(option, words[0]), words[1:]
        options[option.name] = value
    missing = [o.name for o in spec.options if o.required and o.name not in options]
    if words or missing:
        what = f"missing {', '.join(missing)}" if missing else f"unexpected `{' '.join(words)}`"
        return ParsedCommand(None, problem=f"Usage: {usage_of(spec)} ({what}).")
    return ParsedCommand(spec.name, options)


def _keywords(spec: CommandSpec, words: list[str]) -> tuple[dict[str, str | int], list[str]]:
    """Pull out ``name:value`` words; the last option typed in order, if text, and text
    options typed only by name keep the words after them."""
    by_name = {o.name: o for o in spec.options}
    in_order = [o for o in spec.options if o.positional]
    takes_rest = {o.name for o in spec.options if o.type == "string" and not o.positional}
    if in_order and in_order[-1].type == "string":
        takes_rest.add(in_order[-1].name)
    options: dict[str, str | int] = {}
    rest: list[str] = []
    current: str | None = None
    for word in words:
        name, sep, value = word.partition(":")
        option = by_name.get(name.lower()) if sep and value else None
        if option is not None:
            options[option.name] = _typed(option, value)
            current = option.name if option.name in takes_rest else None
        elif current is not None:
            options[current] = f"{options[current]} {word}"
        else:
            rest.append(word)
    return options, rest


def _typed(option: OptionSpec, word: str) -> str | int:
    """Integers become ints; anything else stays text for the command layer to judge."""
    if option.type == "integer" and re.fullmatch(r"[+-]?\d{1,9}", word):
        return int(word)
    return word


def usage_of(spec: CommandSpec) -> str:
    """``/briefbot brief <url> [sentences]`` for one catalogue command, as Slack spells it."""
    parts = [command_syntax("slack", spec.name)]
    for option in spec.options:
        name = option.name if option.positional else f"{option.name}:…"
        parts.append(f"<{name}>" if option.required else f"[{name}]")
    return "`" + " ".join(parts) + "`"


def _usage_of(specs: list[CommandSpec], heading: str) -> str:
    return heading + "\n" + "\n".join(f"{usage_of(s)}: {s.description}" for s in specs)


def usage() -> str:
    """Every command's syntax, for unknown-command messages."""
    return _usage_of(list(COMMAND_SPECS), "Commands:")
