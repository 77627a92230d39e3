"""Does quote extraction stay linear on long articles?

Reported clauses, quotations and cues used to be matched by scanning every other one for
each: fine for a news story, quadratic for a long report or transcript. This times
``extract_quotes`` on one long parsed text and on the same text eight times over, in the
same run, so a slow machine slows both alike: a linear pass takes about eight times as
long, the old quadratic pairing well over forty. Target: a ratio under 24 (exit status 1
above it). The answers' equality with the plain scans is tested in
``tests/test_quotes_scaling.py``; only the timing lives here.

    .venv/bin/python bench/quotes_scaling.py [--times 8]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spacy.tokens import Doc  # noqa: E402

from briefings import nlp as nlp_loader  # noqa: E402
from briefings.quotes import extract_quotes  # noqa: E402
from tests.test_quotes_scaling import UNIT  # noqa: E402  (the sample the equality tests use)

TARGET = 24.0


def best_of(runs: int, fn: Callable[[], object]) -> float:
    """The fastest of a few runs: the least disturbed by whatever else the machine does."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--times", type=int, default=8, help="how many times longer the big text is")
    ap.add_argument("--units", type=int, default=20, help="copies of the sample in the small text")
    a = ap.parse_args()
    nlp = nlp_loader.load()
    unit = nlp(UNIT * 4)
    warnings.filterwarnings("ignore", message=r"\[W101\]")  # merged docs drop doc._.quotes: fine
    small = Doc.from_docs([unit] * a.units)
    big = Doc.from_docs([unit] * (a.units * a.times))
    quotes = len(extract_quotes(small))
    t_small = best_of(3, lambda: extract_quotes(small))
    t_big = best_of(2, lambda: extract_quotes(big))
    ratio = t_big / t_small
    print(f"small text: {len(small)} tokens, {quotes} quotes, {t_small * 1000:.0f} ms")
    print(f"{a.times}x the text: {len(big)} tokens, {t_big * 1000:.0f} ms")
    print(f"ratio {ratio:.1f} (linear ~{a.times}, quadratic ~{a.times**2}; target under {TARGET * a.times / 8:.0f})")
    return 0 if ratio < TARGET * a.times / 8 else 1


if __name__ == "__main__":
    sys.exit(main())
