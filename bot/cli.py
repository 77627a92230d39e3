"""The ``briefbot`` command: brief articles in a terminal, or run the bot.

``briefbot brief SOURCE...`` briefs files, folders, web pages and feeds; a source that
fails gets one line on stderr and a non-zero exit status, while the others are still
briefed. ``briefbot run`` and ``briefbot console`` start the bot (see ``bot.runner`` and
``bot.console``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from briefings.model import Article, Brief

log = logging.getLogger("briefbot.cli")

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?://|[^\\])")
FORMATS = ("text", "markdown", "json", "jsonl")
#: Show a progress bar only for runs long enough to need one.
_PROGRESS_MIN_ARTICLES = 8


@dataclass
class Loaded:
    """What one SOURCE argument gave: its articles, or why it failed."""

    source: str
    articles: list[Article] = field(default_factory=list)
    error: str | None = None
    #: Feed entries not briefed because of ``--max-entries``.
    left_out: int = 0


def _is_url(source: str) -> bool:
    """Anything with a scheme is a URL; the fetcher refuses schemes other than http(s)."""
    return bool(_SCHEME.match(source)) and not os.path.exists(source)


async def _load_urls(urls: list[str], max_entries: int | None) -> dict[str, Loaded]:
    from briefings.fetching import FetchError, FetchPolicy
    from briefings.remote import load_url_counted

    policy = FetchPolicy.from_env()

    async def one(url: str) -> Loaded:
        try:
            got = await load_url_counted(url, policy=policy, max_entries=max_entries)
            return Loaded(url, got.articles, left_out=got.left_out)
        except FetchError as exc:
            return Loaded(url, error=str(exc))
        except Exception as exc:  # a bug or an unforeseen page must not sink the other sources
            return _unexpected(url, exc)

    results = await asyncio.gather(*(one(u) for u in urls))
    return {r.source: r for r in results}


def load_sources(sources: list[str], max_entries: int | None = None) -> list[Loaded]:
    """Load every source, in the order given; URLs are fetched concurrently.

    ``max_entries`` caps the entries briefed per feed (None: the default cap, 0: all).
    """
    from briefings.remote import DEFAULT_MAX_ENTRIES

    urls = [s for s in sources if _is_url(s)]
    cap = DEFAULT_MAX_ENTRIES if max_entries is None else (max_entries or None)
    remote = asyncio.run(_load_urls(urls, cap)) if urls else {}
    loaded = []
    for source in sources:
        if source in remote:
            loaded.append(remote[source])
        else:
            loaded.extend(_load_local(source))
    for item in loaded:
        empty = [a for a in item.articles if not a.text.strip()]
        if empty and not item.error:
            names = ", ".join(a.path or a.url or "?" for a in empty[:3])
            item.error = f"{names}: no story text to brief (the article is empty or all furniture)"
            item.articles = [a for a in item.articles if a.text.strip()]
    return loaded


def _load_local(source: str) -> list[Loaded]:
    """A file, or each file of a folder on its own: one unreadable page must not cost
    the folder's other articles."""
    from briefings.loading import LoadError, iter_paths, load_file

    try:
        files = iter_paths(source)
    except LoadError as exc:
        return [Loaded(source, error=str(exc))]
    out = []
    for path, shown in files:
        try:
            out.append(Loaded(shown, [load_file(path, given=shown)]))
        except LoadError as exc:
            out.append(Loaded(shown, error=str(exc)))
        except Exception as exc:  # a bug or an unforeseen page must not sink the other files
            out.append(_unexpected(shown, exc))
    return out


def _unexpected(source: str, exc: Exception) -> Loaded:
    """A source that failed in a way no loader foresaw: one line for the user, the
    traceback in the log."""
    log.exception("unexpected failure loading %s", source)
    return Loaded(source, error=f"{source}: unexpected error: {exc.__class__.__name__}: {exc}")


def _progress(total: int) -> Callable[[Brief], None] | None:
    if total < _PROGRESS_MIN_ARTICLES or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="article", file=sys.stderr, leave=False)
    return lambda _brief: bar.update(1)


def _emit(briefs: list[Brief], fmt: str) -> None:
    from briefings import render

    if fmt == "jsonl":
        for b in briefs:
            print(render.to_jsonl(b))
    elif fmt == "json":
        import json

        print(json.dumps([render.to_record(b) for b in briefs], ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        print("\n".join(render.to_markdown(b) for b in briefs), end="")
    else:
        print("\n\n".join(render.to_text(b) for b in briefs))


def _emit_digest(briefs: list[Brief], fmt: str) -> None:
    from briefings import render_digest

    out = render_digest.render(briefs, fmt)
    print(out, end="" if out.endswith("\n") else "\n")


def cmd_brief(args: argparse.Namespace) -> int:
    from briefings.engine import brief_articles

    loaded = load_sources(args.sources, args.max_entries)
    failed = [item for item in loaded if item.error]
    for item in failed:
        print(f"briefbot: {item.error}", file=sys.stderr)
    for item in loaded:
        if item.left_out:
            n = len(item.articles)
            print(
                f"briefbot: {item.source}: briefed the first {n} of {n + item.left_out} entries, "
                f"{item.left_out} left out (--max-entries N to choose, 0 for all)",
                file=sys.stderr,
            )
    articles = [a for item in loaded for a in item.articles]
    if articles:
        try:
            briefs = brief_articles(
                articles, sentences=args.sentences, words=args.words, jobs=args.jobs, on_brief=_progress(len(articles))
            )
        except Exception as exc:  # a bug must still end in one readable line, with the detail logged
            log.info("briefing failed", exc_info=True)
            print(f"briefbot: briefing failed: {type(exc).__name__}: {exc} (run with -v for details)", file=sys.stderr)
            return 1
        if args.digest:
            _emit_digest(briefs, args.format)
        else:
            _emit(briefs, args.format)
    return 1 if failed or not articles else 0


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n


def _count(value: str) -> int:
    n = int(value)
    if n < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefbot", description="Brief news articles in a terminal, or run the Briefbot chat bot."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    brief = sub.add_parser("brief", help="summarize articles and list who said what")
    brief.add_argument("sources", nargs="+", metavar="SOURCE", help="a file, folder, URL or feed URL")
    brief.add_argument("--format", choices=FORMATS, default="text")
    size = brief.add_mutually_exclusive_group()
    size.add_argument("--sentences", type=_positive, default=3, help="summary length in sentences (default 3)")
    size.add_argument("--words", type=_positive, help="summary length as a word budget instead")
    brief.add_argument("--jobs", type=_positive, default=1, help="worker processes for big batches")
    brief.add_argument(
        "--max-entries",
        type=_count,
        default=None,
        metavar="N",
        help="entries briefed per feed (default 25; 0 for all of them)",
    )
    brief.add_argument(
        "--digest", action="store_true", help="merge speakers across all the articles into one who-said-what digest"
    )
    brief.set_defaults(handler=cmd_brief)

    for name, text in (
        ("run", "run the bot (Discord and/or Slack, from settings)"),
        ("console", "type the bot's slash commands in a terminal"),
    ):
        delegated = sub.add_parser(name, help=text + f"; see `briefbot {name} --help`", add_help=False)
        delegated.set_defaults(handler=lambda _args, name=name: _delegate(_DELEGATED[name], []))
    return parser


_DELEGATED = {"run": "bot.runner", "console": "bot.console"}


def _delegate(module: str, argv: list[str]) -> int:
    import importlib

    return importlib.import_module(module).main(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in _DELEGATED:
        # these subcommands parse their own options (and --help)
        return _delegate(_DELEGATED[argv[0]], argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        from bot.ops.logs import quiet_page_parsers

        quiet_page_parsers()
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
