"""Do the steps that once grew quadratically stay linear on long input?

* Quote extraction: reported clauses, quotations and cues used to be matched by scanning
  every other one for each: fine for a news story, quadratic for a long report or
  transcript.
* Cleaning: inline furniture ("Scroll down for video") inside one huge line used to be
  removed by rescanning the line for each match.

Each is timed on one input and on the same input eight times over, in the same run, so a
slow machine slows both alike: a linear pass takes about eight times as long, the old
quadratic ones well over forty. Target: a ratio under 24 for each (exit status 1 above
it). What the steps return is tested in ``tests/`` (``test_quotes_scaling.py``,
``test_cleaning.py``); only the timing lives here.

    .venv/bin/python bench/linear_growth.py [--times 8]
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
from briefings.cleaning import clean  # noqa: E402
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


def quotes_ratio(times: int, units: int) -> float:
    nlp = nlp_loader.load()
    unit = nlp(UNIT * 4)
    warnings.filterwarnings("ignore", message=r"\[W101\]")  # merged docs drop doc._.quotes: fine
    small = Doc.from_docs([unit] * units)
    big = Doc.from_docs([unit] * (units * times))
    t_small = best_of(3, lambda: extract_quotes(small))
    t_big = best_of(2, lambda: extract_quotes(big))
    print(f"quotes:   {len(small)} tokens {t_small * 1000:6.0f} ms; {times}x the text {t_big * 1000:6.0f} ms")
    return t_big / t_small


def cleaning_ratio(times: int, lines: int = 500) -> float:
    def text(n: int) -> str:
        return ("word " * 40 + "Scroll down for video ") * n

    small, big = text(lines), text(lines * times)
    t_small = best_of(3, lambda: clean(small))
    t_big = best_of(2, lambda: clean(big))
    print(f"cleaning: {len(small):,} chars {t_small * 1000:6.0f} ms; {times}x the text {t_big * 1000:6.0f} ms")
    return t_big / t_small


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--times", type=int, default=8, help="how many times longer the big input is")
    a = ap.parse_args()
    limit = TARGET * a.times / 8
    ok = True
    for name, ratio in (("quotes", quotes_ratio(a.times, 20)), ("cleaning", cleaning_ratio(a.times))):
        print(f"{name}: ratio {ratio:.1f} (linear ~{a.times}, quadratic ~{a.times**2}; target under {limit:.0f})")
        ok = ok and ratio < limit
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
