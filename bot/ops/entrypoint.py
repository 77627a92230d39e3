"""The container's entrypoint.

`docker run IMAGE` runs the bot; `docker run IMAGE briefbot brief URL` and the shorter
`docker run IMAGE brief URL` run a subcommand; any other program on PATH (`sh`,
`python`) runs as given, which keeps the image debuggable. The process is replaced
(exec), so signals from `docker stop` reach the bot itself.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence

DEFAULT_COMMAND = ("briefbot", "run")


def command_for(argv: Sequence[str]) -> list[str]:
    """The command line to exec for the container arguments ``argv``."""
    if not argv:
        return list(DEFAULT_COMMAND)
    first = argv[0]
    if first.startswith("-") or shutil.which(first) is None:
        return ["briefbot", *argv]
    return list(argv)


def main(argv: Sequence[str] | None = None) -> None:
    command = command_for(sys.argv[1:] if argv is None else argv)
    try:
        os.execvp(command[0], command)
    except OSError as err:
        print(f"briefbot entrypoint: cannot run {command[0]!r}: {err.strerror}", file=sys.stderr)
        raise SystemExit(127) from None


if __name__ == "__main__":
    main()
