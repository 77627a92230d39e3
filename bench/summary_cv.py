"""Cross-validate a summary setting: choose it on half of the stories, score it on the other.

A setting tuned on 55 CNN/DailyMail stories can look good on them and lose on the next
200 (the old ranker: +0.42 R-1 over Lead-3 tuned, -0.38 held out). This script parses
every story of the given sets once, summarizes each with every value of a small grid of
``briefings.summarize.Weights`` fields, and then, over random splits of each set into
halves, picks the grid point with the best mean R-1 gain over Lead-3 (the sets' means
averaged, so the larger set does not decide alone) on one half and scores it on the
other. It prints each grid point's figures on the whole sets, which points the halves
chose, and the held-half change against the shipped defaults.

    .venv/bin/python bench/summary_cv.py ../shared/eval/summaries/cnndm-dev.jsonl \\
        ../shared/eval/summaries/bbc-dev.jsonl --grid lead_slack=0,1,2,3,1000000 --grid reach=0.2,0.4

ROUGE and Lead-N are the shared scorer's own (through ``summary_bootstrap.py``). The
project never imports this file.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
from dataclasses import fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from summary_bootstrap import DEFAULT_SCORER, load_scorer, per_article  # noqa: E402

from briefings import nlp as nlp_loader  # noqa: E402
from briefings.engine import parseable_text  # noqa: E402
from briefings.loading import article_from_text  # noqa: E402
from briefings.summarize import DEFAULT_WEIGHTS, Weights, summarize  # noqa: E402


def parse_grid(specs: list[str]) -> list[dict]:
    """``name=v1,v2`` specs to the list of all their combinations (as Weights overrides)."""
    types = {f.name: f.type for f in fields(Weights)}
    axes = {}
    for spec in specs:
        name, _, values = spec.partition("=")
        if name not in types:
            sys.exit(f"no summary weight called {name!r}; there are {', '.join(types)}")
        cast = int if types[name] in (int, "int") else float
        axes[name] = [cast(v) for v in values.split(",")]
    points = [dict(zip(axes, combo)) for combo in itertools.product(*axes.values())]
    default = {name: getattr(DEFAULT_WEIGHTS, name) for name in axes}
    return points if default in points else points + [default]


def gains(gold: str, points: list[dict], scorer, nlp) -> list[list[float]]:
    """For each story, each grid point's (R-1 gain over Lead-3)."""
    rows = [json.loads(line) for line in open(gold, encoding="utf-8") if line.strip()]
    articles = [article_from_text(r["text"]) for r in rows]
    docs = list(nlp.pipe((parseable_text(a, nlp.max_length) for a in articles), batch_size=32))
    table: list[list[float]] = [[] for _ in rows]
    for point in points:
        weights = replace(DEFAULT_WEIGHTS, **point)
        preds = {
            r["id"]: {
                "summary": [
                    s.text.strip() for s in summarize(d, sentences=3, title=a.title, dek=a.dek, weights=weights)
                ]
            }
            for r, a, d in zip(rows, articles, docs)
        }
        for i, s in enumerate(per_article(rows, preds, scorer, 3)):
            table[i].append(s[0] - s[2])
    return table


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gold", nargs="+")
    ap.add_argument("--grid", action="append", required=True, help="name=v1,v2,... (repeatable)")
    ap.add_argument("--against", help="name=value,... the grid point held halves are compared with (default: shipped)")
    ap.add_argument("--splits", type=int, default=50)
    ap.add_argument("--scorer", type=Path, default=DEFAULT_SCORER)
    a = ap.parse_args()
    points = parse_grid(a.grid)
    against = {name: getattr(DEFAULT_WEIGHTS, name) for name in points[0]}
    for item in (a.against or "").split(","):
        if item:
            name, _, value = item.partition("=")
            against[name] = type(against[name])(float(value))
    if against not in points:
        sys.exit(f"--against {against} is not a point of the grid")
    default = points.index(against)
    scorer = load_scorer(a.scorer)
    nlp = nlp_loader.load()
    sets = {Path(g).stem: gains(g, points, scorer, nlp) for g in a.gold}

    for k, point in enumerate(points):
        figures = "  ".join(f"{name} {statistics.mean(row[k] for row in t):+.2f}" for name, t in sets.items())
        print(f"{json.dumps(point):40} dR-1 over Lead-3 (whole sets): {figures}")

    def mean_gain(halves: dict[str, list[int]], k: int) -> float:
        return statistics.mean(statistics.mean(sets[n][i][k] for i in ids) for n, ids in halves.items())

    chosen = []
    held: dict[str, list[float]] = {n: [] for n in sets}
    for split in range(a.splits):
        rng = random.Random(split)
        halves: list[dict[str, list[int]]] = [{}, {}]
        for name, table in sets.items():
            ids = list(range(len(table)))
            rng.shuffle(ids)
            halves[0][name], halves[1][name] = ids[::2], ids[1::2]
        for train, test in ((halves[0], halves[1]), (halves[1], halves[0])):
            k = max(range(len(points)), key=lambda k: mean_gain(train, k))
            chosen.append(k)
            for name, ids in test.items():
                held[name].append(statistics.mean(sets[name][i][k] - sets[name][i][default] for i in ids))
    print("chosen on a half:", ", ".join(f"{json.dumps(points[k])} x{chosen.count(k)}" for k in sorted(set(chosen))))
    for name, changes in held.items():
        better = sum(c > 0 for c in changes)
        print(
            f"{name}: on the other half, R-1 {statistics.mean(changes):+.3f} against {json.dumps(against)} "
            f"(sd {statistics.stdev(changes):.3f}; better on {better} of {len(changes)} halves)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
