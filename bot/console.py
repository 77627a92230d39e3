"""``briefbot console``: the bot's slash commands, typed in a terminal.

A thin adapter like the Discord and Slack ones: it turns a typed line into an
``Invocation`` and prints the ``Reply``. It runs on the same command layer, database
and scheduler as ``briefbot run`` (scheduled digests for the ``console:local`` channel
are printed here), the local user may manage the channel, and local files may be
briefed. Works with piped stdin: each line is a command, end of input quits.

    /brief seeds/us-south-korea-relations.txt 2
    /quotes url:https://example.com/story speaker:"Jane Doe"
    /schedule set time:08:00 timezone:Europe/Paris days:mon-fri
    /feeds add https://example.com/rss
    /quit
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import shlex
import sys
import threading
from typing import TextIO

from bot.core.interface import (
    COMMAND_NAMES,
    ChannelRef,
    DeliveryKey,
    Invocation,
    OneOffDelivery,
    Payload,
    Reply,
    command_spec,
)
from bot.core.views import render_text
from bot.settings import SettingsError, load_settings
from bot.storage.db import StoreError

log = logging.getLogger(__name__)

CHANNEL = ChannelRef("console", "local")
QUIT = {"/quit", "/exit", "quit", "exit"}


class ParseError(ValueError):
    pass


def parse_line(line: str, channel: ChannelRef = CHANNEL, user: str = "local") -> Invocation | None:
    """A typed line as an Invocation; ``None`` for a blank line. Raises ``ParseError``."""
    try:
        tokens = shlex.split(line.strip())
    except ValueError as exc:
        raise ParseError(f"Could not read that line: {exc}.") from None
    if not tokens:
        return None
    head = tokens[0].lstrip("/").lower()
    rest = tokens[1:]
    name = head
    if rest and f"{head} {rest[0].lower()}" in COMMAND_NAMES:
        name = f"{head} {rest[0].lower()}"
        rest = rest[1:]
    spec = command_spec(name)
    if spec is None:
        subs = [n for n in COMMAND_NAMES if n.startswith(head + " ")]
        if subs:
            raise ParseError(f"/{head} needs one of: " + ", ".join(s.split(" ", 1)[1] for s in subs) + ".")
        raise ParseError(f"There is no /{head} command; try /help.")
    names = [o.name for o in spec.options]
    options: dict[str, str | int] = {}
    positional: list[str] = []
    for tok in rest:
        key, sep, value = tok.partition(":")
        if not sep:
            key, sep, value = tok.partition("=")
        if sep and key.lower() in names:
            options[key.lower()] = value
        else:
            positional.append(tok)
    free = [n for n in names if n not in options]
    if len(positional) > len(free):
        raise ParseError(f"Too many values for /{name}: it takes " + (", ".join(names) or "no options") + ".")
    options.update(zip(free, positional))
    for opt in spec.options:
        given = options.get(opt.name)
        if opt.type == "integer" and isinstance(given, str) and given.strip().lstrip("-").isdigit():
            options[opt.name] = int(given)
    return Invocation(channel=channel, user_id=user, command=name, options=options, can_manage=True)


class ConsoleDeliverer(OneOffDelivery):
    """Scheduled digests for ``console:*`` channels are printed."""

    platform = "console"

    def __init__(self, out: TextIO) -> None:
        self.out = out

    async def prepare(self, reply: Reply) -> list[Payload]:
        return [{"text": render_text(reply)}]

    async def send(self, channel: ChannelRef, message: Payload, key: DeliveryKey) -> None:
        print(f"\n[scheduled digest for {channel.key}]\n{message.get('text', '')}\n", file=self.out, flush=True)


def _line_queue(stream: TextIO) -> asyncio.Queue[str | None]:
    """Lines from stdin, read by a daemon thread so the loop (and Ctrl-C) never waits on it.

    ``None`` marks the end of input.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def reader() -> None:
        try:
            for line in iter(stream.readline, ""):
                loop.call_soon_threadsafe(queue.put_nowait, line)
        except (OSError, ValueError):
            pass
        finally:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, None)
            except RuntimeError:  # the loop is already closed
                pass

    threading.Thread(target=reader, name="console-stdin", daemon=True).start()
    return queue


async def run_console(stdin: TextIO, out: TextIO, *, scheduler_on: bool = True) -> int:
    from bot.assembly import assemble

    settings = load_settings()
    settings.check_model()
    bot = assemble(settings, allow_files=True)
    bot.add_deliverer(ConsoleDeliverer(out))
    try:
        if scheduler_on:
            await bot.start_scheduling()
        interactive = stdin.isatty()
        lines = _line_queue(stdin)
        user = _user()
        if interactive:
            print("Briefbot console: type /help, or /quit to leave.", file=out, flush=True)
        while True:
            if interactive:
                print("> ", end="", file=out, flush=True)
            line = await lines.get()
            if line is None or line.strip().lower() in QUIT:
                return 0
            try:
                invocation = parse_line(line, user=user)
            except ParseError as exc:
                print(f"Error: {exc}", file=out, flush=True)
                continue
            if invocation is None:
                continue
            reply = await bot.core.service.handle(invocation)
            print(render_text(reply), file=out, flush=True)
            print(file=out, flush=True)
    finally:
        await bot.aclose()


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "local"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="briefbot console", description="Type Briefbot's slash commands in a terminal."
    )
    parser.add_argument(
        "--no-scheduler", action="store_true", help="do not post scheduled digests or poll feeds in this session"
    )
    args = parser.parse_args(argv or [])
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(run_console(sys.stdin, sys.stdout, scheduler_on=not args.no_scheduler))
    except SettingsError as exc:
        print(f"briefbot console: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"briefbot console: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
