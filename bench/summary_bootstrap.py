"""Summaries against Lead-3 with a paired bootstrap over articles.

The eval scorer (``score_summaries.py`` in the shared eval folder) prints means only;
a gain of half a point on 55 stories can be noise. This script runs the same command on
the same files, scores every article with the scorer's own ROUGE settings and its own
Lead-N, and resamples articles (paired: one resample draws the system and the lead of
the same stories) to give the 95 % interval of the mean difference system - lead.

    .venv/bin/python bench/summary_bootstrap.py ../shared/eval/summaries/cnndm-dev.jsonl \
        ../shared/eval/summaries/bbc-dev.jsonl \
        --cmd ".venv/bin/briefbot brief --format jsonl --sentences 3"

``--save DIR`` keeps each set's output (``DIR/<set>.jsonl``) and ``--pred DIR`` scores
saved output instead of running the command. The project never imports this file.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_SCORER = Path(__file__).resolve().parents[2] / "shared" / "eval" / "score_summaries.py"


def load_scorer(path: Path):
    spec = importlib.util.spec_from_file_location("score_summaries", path)
    if spec is None or spec.loader is None:
        sys.exit(f"cannot load the scorer from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_command(rows: list[dict], cmd: str) -> dict[str, dict]:
    """Write each article to <id>.txt, run ``cmd`` on all of them, read its jsonl by id."""
    with tempfile.TemporaryDirectory() as d:
        paths = {}
        for r in rows:
            path = os.path.join(d, re.sub(r"[^A-Za-z0-9_.-]", "_", r["id"]) + ".txt")
            Path(path).write_text(r["text"], encoding="utf-8")
            paths[path] = r["id"]
        proc = subprocess.run(shlex.split(cmd) + list(paths), stdout=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            print(f"warning: the command exited with {proc.returncode}", file=sys.stderr)
        preds = {}
        for line in proc.stdout.splitlines():
            if line.strip().startswith("{"):
                o = json.loads(line)
                key = paths.get(o.get("path") or "")
                if key:
                    preds[key] = o
    return preds


def per_article(rows: list[dict], preds: dict[str, dict], scorer, lead_n: int) -> list[tuple[float, ...]]:
    """(sys R-1, sys R-2, lead R-1, lead R-2, sys R-Lsum, lead R-Lsum) per article, F1 x 100,
    as the scorer computes them."""
    from rouge_score import rouge_scorer

    sc = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    out = []
    for r in rows:
        ref = "\n".join(s.strip() for s in re.split(r"\n+", r["reference"]) if s.strip())
        summ = (preds.get(r["id"]) or {}).get("summary") or []
        if isinstance(summ, str):
            summ = [summ]
        s = sc.score(ref, "\n".join(summ))
        lead = sc.score(ref, "\n".join(scorer.lead(r["text"], lead_n)))
        out.append(
            (
                100 * s["rouge1"].fmeasure,
                100 * s["rouge2"].fmeasure,
                100 * lead["rouge1"].fmeasure,
                100 * lead["rouge2"].fmeasure,
                100 * s["rougeLsum"].fmeasure,
                100 * lead["rougeLsum"].fmeasure,
            )
        )
    return out


def bootstrap(diffs: list[float], rounds: int, seed: int = 0) -> tuple[float, float]:
    """95 % percentile interval of the mean of ``diffs`` over article resamples."""
    rng = random.Random(seed)
    n = len(diffs)
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(rounds))
    return means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gold", nargs="+")
    ap.add_argument("--cmd", default=".venv/bin/briefbot brief --format jsonl --sentences 3")
    ap.add_argument("--scorer", type=Path, default=DEFAULT_SCORER)
    ap.add_argument("--lead", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=10000)
    ap.add_argument("--save", type=Path, help="keep each set's output in this folder")
    ap.add_argument("--pred", type=Path, help="score output saved with --save instead of running")
    a = ap.parse_args()
    scorer = load_scorer(a.scorer)
    print(
        f"{'set':12} {'n':>4} {'no out':>6} {'R-1':>6} {'lead':>6} {'dR-1 [95% CI]':>22} "
        f"{'R-2':>6} {'lead':>6} {'dR-2 [95% CI]':>22} {'R-Ls':>6} {'lead':>6}"
    )
    for gold in a.gold:
        name = Path(gold).stem
        rows = [json.loads(line) for line in open(gold, encoding="utf-8") if line.strip()]
        if a.pred:
            preds = {
                json.loads(line)["id"]: json.loads(line) for line in open(a.pred / f"{name}.jsonl", encoding="utf-8")
            }
        else:
            preds = run_command(rows, a.cmd)
            if a.save:
                a.save.mkdir(parents=True, exist_ok=True)
                with open(a.save / f"{name}.jsonl", "w", encoding="utf-8") as f:
                    for rid, o in preds.items():
                        f.write(json.dumps({"id": rid, **o}, ensure_ascii=False) + "\n")
        scores = per_article(rows, preds, scorer, a.lead)
        n = len(scores)
        mean = [sum(s[i] for s in scores) / n for i in range(6)]
        d1 = bootstrap([s[0] - s[2] for s in scores], a.rounds)
        d2 = bootstrap([s[1] - s[3] for s in scores], a.rounds)
        missing = sum(1 for r in rows if not (preds.get(r["id"]) or {}).get("summary"))
        print(
            f"{name:12} {n:4d} {missing:6d} {mean[0]:6.2f} {mean[2]:6.2f} "
            f"{mean[0] - mean[2]:+6.2f} [{d1[0]:+6.2f}, {d1[1]:+6.2f}] "
            f"{mean[1]:6.2f} {mean[3]:6.2f} {mean[1] - mean[3]:+6.2f} [{d2[0]:+6.2f}, {d2[1]:+6.2f}] "
            f"{mean[4]:6.2f} {mean[5]:6.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
