"""What a reader sees first, on a folder of saved real web pages.

Runs ``briefbot brief --format jsonl`` on every ``.html`` file of PAGES_DIR (saved pages:
no network) and checks, page by page, what can be checked without a human label:

* the command survives every page, and a page it cannot read gets one line of its own;
* every page in another language gets the one-line notice, and no English page is left
  with neither a summary nor a notice;
* no summary sentence repeats the headline;
* no headline still carries the site's name (the ``source`` field) or a section label
  at either end, after a separator.

Whether a headline is the story's own headline needs a human eye: ``--show`` prints
every page's headline, source and first summary sentence for that look.

    .venv/bin/python bench/page_checks.py PAGES_DIR [--cmd "briefbot brief --format jsonl"] [--show] [--cwd DIR]

Pages are not shipped with the project (they belong to their publishers); any folder of
saved pages serves, e.g. the test pages some extraction libraries publish in their sdists.
The project never imports this file.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefings import headlines  # noqa: E402

SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " » ", " › ", " · ")


def repeats(sentence: str, headline: str) -> bool:
    """A summary sentence that is the headline again (give or take a few words)."""
    return headlines.same_text(sentence, headline) or headlines.repeats_headline(sentence, [headline])


def carries_site(headline: str, source: str | None) -> bool:
    """The site's name (or a section label) left at either end after a separator."""
    for sep in SEPARATORS:
        if sep not in headline:
            continue
        first, _, _ = headline.partition(sep)
        _, _, last = headline.rpartition(sep)
        for piece in (first, last):
            if headlines._is_label(piece, [source] if source else []):
                return True
    return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pages", type=Path)
    ap.add_argument("--cmd", default=f"{sys.executable} -m bot.cli brief --format jsonl --jobs 2")
    ap.add_argument("--show", action="store_true", help="print every page's headline for a human look")
    ap.add_argument("--cwd", type=Path, default=ROOT, help="run the command here (another checkout, to compare)")
    a = ap.parse_args()
    files = sorted(a.pages.glob("*.htm*"))
    proc = subprocess.run(shlex.split(a.cmd) + [str(f) for f in files], capture_output=True, text=True, cwd=a.cwd)
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    failed = [line for line in proc.stderr.splitlines() if line.startswith("briefbot:")]
    crashed = "Traceback" in proc.stderr
    english = [r for r in records if r.get("language") in ("en", None)]
    other = [r for r in records if r.get("language") not in ("en", None)]
    silent = [r for r in english if not r["summary"] and not r.get("notice")]
    no_notice = [r for r in other if not r.get("notice")]
    sentences = [(r, s) for r in records for s in r["summary"]]
    repeated = [(r, s) for r, s in sentences if r.get("title") and repeats(s, r["title"])]
    suffixed = [r for r in records if r.get("title") and carries_site(r["title"], r.get("source"))]
    print(f"pages {len(files)}: briefed {len(records)}, one-line failures {len(failed)}, crashed {crashed}")
    print(f"English (or undecided) {len(english)}: without summary or notice {len(silent)}")
    print(f"other languages {len(other)}: without the notice {len(no_notice)}")
    print(f"summary sentences {len(sentences)}: repeating the headline {len(repeated)}")
    print(f"headlines still carrying the site or a section label: {len(suffixed)}")
    for r in silent + no_notice + suffixed:
        print(f"  check {Path(r['path']).name}: {r.get('title')!r} ({r.get('source')!r})")
    for r, s in repeated:
        print(f"  repeats the headline {Path(r['path']).name}: {s[:100]!r}")
    for line in failed:
        print(f"  {line}")
    if a.show:
        for r in records:
            first = (r["summary"] or [r.get("notice") or ""])[0]
            print(
                f"{Path(r['path']).name[:40]:40s} | {r.get('title')!r:.90s} | {r.get('source')!r:.30s} | {first[:60]!r}"
            )
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
