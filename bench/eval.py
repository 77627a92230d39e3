"""Every quote and summary figure in one command: both scorers of the shared eval sets.

``./dev eval [DATA_DIR]`` runs this with the project's environment. DATA_DIR (default
``../shared/eval`` beside the repository) holds ``score_quotes.py``,
``score_summaries.py``, ``quotes/*.jsonl`` and ``summaries/*.jsonl`` (see its README);
sets that are missing are skipped. It runs

* ``score_quotes.py`` on ``quotes/ggt-dev.jsonl`` and ``quotes/polnear-dev.jsonl`` and,
  with ``--folds K --fold-size N``, on K deterministic slices of
  ``quotes/polnear-train.jsonl`` (N articles each, starting at evenly spaced offsets, so
  the folds are the same on every run and spread over the whole file);
* ``score_summaries.py`` on ``summaries/cnndm-dev.jsonl`` and ``summaries/bbc-dev.jsonl``
  with ``--sentences 3``;

reads each scorer's ``--json`` figures and prints one table: quote P/R/F1, speaker name,
attribution P/R/F1 and named P; summary ROUGE-1/2/Lsum beside Lead-3.

Every set's predictions (the command's JSON lines) are saved under ``--out`` (default
``.eval/``), so ``--pred .eval`` scores them again without briefing anything, e.g.
after changing the scorers' options. Nothing in Briefbot imports this file, and nothing
at run or test time depends on the eval data.

    ./dev eval                               # all sets found in ../shared/eval
    ./dev eval ../shared/eval --folds 4 --fold-size 50
    ./dev eval --pred .eval                  # rescore the saved predictions
    ./dev eval --sets ggt-dev polnear-dev    # only these
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUOTE_SETS = ("ggt-dev", "polnear-dev")
SUMMARY_SETS = ("cnndm-dev", "bbc-dev")
FOLD_SOURCE = "polnear-train"


@dataclass(frozen=True)
class EvalSet:
    name: str
    kind: str  # "quotes" | "summaries"
    gold: Path


def _briefbot() -> list[str]:
    """The project's own command, from the environment this script runs in."""
    exe = Path(sys.executable).with_name("briefbot")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "bot.cli"]


def fold_rows(rows: list[str], folds: int, size: int) -> list[list[str]]:
    """``folds`` slices of ``size`` rows at evenly spaced starts (deterministic, no overlap
    while ``folds * size`` fits in the file)."""
    step = max(1, len(rows) // folds)
    return [rows[k * step : k * step + size] for k in range(folds) if rows[k * step : k * step + size]]


def eval_sets(data: Path, out: Path, folds: int, fold_size: int, only: list[str] | None) -> list[EvalSet]:
    sets = [EvalSet(n, "quotes", data / "quotes" / f"{n}.jsonl") for n in QUOTE_SETS]
    train = data / "quotes" / f"{FOLD_SOURCE}.jsonl"
    if folds and train.exists():
        rows = [line for line in train.read_text(encoding="utf-8").splitlines() if line.strip()]
        out.mkdir(parents=True, exist_ok=True)
        for k, part in enumerate(fold_rows(rows, folds, fold_size), 1):
            gold = out / f"{FOLD_SOURCE}-f{k}.gold.jsonl"
            gold.write_text("\n".join(part) + "\n", encoding="utf-8")
            sets.append(EvalSet(f"{FOLD_SOURCE}-f{k}", "quotes", gold))
    sets += [EvalSet(n, "summaries", data / "summaries" / f"{n}.jsonl") for n in SUMMARY_SETS]
    if only:
        sets = [s for s in sets if s.name in only or s.name.split("-f")[0] in only]
    return sets


def _last_json(stdout: str) -> dict | None:
    for line in reversed(stdout.splitlines()):
        if line.strip().startswith("{"):
            return json.loads(line)
    return None


def score(s: EvalSet, data: Path, out: Path, pred: Path | None, jobs: int, limit: int | None) -> dict | None:
    """Run one scorer on one set with ``--json``; its figures, or None (with the reason on stderr)."""
    saved = (pred or out) / f"{s.name}.jsonl"
    me = [sys.executable, str(Path(__file__).resolve())]
    if s.kind == "quotes":
        args = [sys.executable, str(data / "score_quotes.py"), str(s.gold), "--json"]
        brief = _briefbot() + ["brief", "--format", "jsonl"]
    else:
        args = [sys.executable, str(data / "score_summaries.py"), str(s.gold), "--json"]
        brief = _briefbot() + ["brief", "--format", "jsonl", "--sentences", "3"]
    if jobs > 1:
        brief += ["--jobs", str(jobs)]
    if limit:
        args += ["--limit", str(limit)]
    if pred is not None:
        if not saved.exists():
            print(f"eval: {s.name}: no saved predictions at {saved}", file=sys.stderr)
            return None
        if s.kind == "quotes":
            args += ["--pred", str(saved)]
        else:  # score_summaries has no --pred: the command replays the saved lines
            args += ["--cmd", shlex.join(me + ["--replay", str(saved)])]
    else:
        out.mkdir(parents=True, exist_ok=True)
        args += ["--cmd", shlex.join(me + ["--tee", str(saved), "--"] + brief)]
    proc = subprocess.run(args, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    figures = _last_json(proc.stdout)
    if proc.returncode != 0 or figures is None:
        print(f"eval: {s.name}: the scorer failed (exit {proc.returncode})", file=sys.stderr)
        return None
    return figures


def tee(path: Path, command: list[str], files: list[str]) -> int:
    """Run the brief command on ``files``, keep its JSON lines in ``path`` and pass them on.

    Exits 0 even when some articles failed (they are reported on stderr and scored as
    missing), so one unreadable article does not void a whole set.
    """
    proc = subprocess.run(command + files, stdout=subprocess.PIPE, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    path.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    sys.stdout.write(proc.stdout)
    if proc.returncode != 0:
        print(
            f"eval: the brief command exited with {proc.returncode}; "
            f"{len(files) - len(lines)} of {len(files)} articles have no output",
            file=sys.stderr,
        )
    return 0


def replay(path: Path) -> int:
    sys.stdout.write(path.read_text(encoding="utf-8"))
    return 0


def _pct(x: float | None) -> str:
    return f"{100 * x:5.1f}" if isinstance(x, (int, float)) else "    –"


def _n(x: float | None) -> str:
    return f"{x:5.2f}" if isinstance(x, (int, float)) else "    –"


def table(results: list[tuple[EvalSet, dict | None]]) -> str:
    q = [(s, f) for s, f in results if s.kind == "quotes"]
    m = [(s, f) for s, f in results if s.kind == "summaries"]
    name_w = max([len(s.name) for s, _ in results] + [12])
    lines = []
    if q:
        lines.append(f"{'who said what':{name_w}}  arts  quote P     R    F1  speaker  attrib P     R    F1  named P")
        for s, f in q:
            if f is None:
                lines.append(f"{s.name:{name_w}}  (failed; see above)")
                continue
            lines.append(
                f"{s.name:{name_w}}  {f['articles']:4d}    {_pct(f['quote_p'])} {_pct(f['quote_r'])} "
                f"{_pct(f['quote_f1'])}    {_pct(f['speaker_name_acc'])}    {_pct(f['attribution_p'])} "
                f"{_pct(f['attribution_r'])} {_pct(f['attribution_f1'])}    {_pct(f['named_p'])}"
            )
    if m:
        if lines:
            lines.append("")
        lines.append(f"{'summaries':{name_w}}  arts    R-1   R-2  R-Lsum   lead-3 R-1   R-2  R-Lsum  words")
        for s, f in m:
            if f is None:
                lines.append(f"{s.name:{name_w}}  (failed; see above)")
                continue
            arts = f.get("articles")
            lines.append(
                f"{s.name:{name_w}}  {arts if arts is not None else '':>4}  {_n(f['r1'])} {_n(f['r2'])} "
                f"  {_n(f['rlsum'])}        {_n(f['lead_r1'])} {_n(f['lead_r2'])}   {_n(f['lead_rlsum'])}  "
                f"{f['words']:5.1f}"
            )
    return "\n".join(lines)


def _count(path: Path, limit: int | None) -> int:
    n = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return min(n, limit) if limit else n


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--tee"]:  # internal: the scorers' --cmd
        sep = argv.index("--")
        command, files = argv[sep + 1 :], list[str]()
        # The scorers append the article files after the whole command.
        while command and command[-1].endswith(".txt") and os.path.exists(command[-1]):
            files.insert(0, command.pop())
        return tee(Path(argv[1]), command, files)
    if argv[:1] == ["--replay"]:
        return replay(Path(argv[1]))

    ap = argparse.ArgumentParser(
        prog="./dev eval", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "data",
        nargs="?",
        default=str(ROOT.parent / "shared" / "eval"),
        help="the eval folder (default: ../shared/eval beside the repository)",
    )
    ap.add_argument("--out", default=str(ROOT / ".eval"), help="where predictions are saved (default .eval/)")
    ap.add_argument("--pred", help="score the predictions saved in this folder instead of briefing")
    ap.add_argument("--folds", type=int, default=0, help="also score K slices of polnear-train")
    ap.add_argument("--fold-size", type=int, default=50, help="articles per polnear-train slice (default 50)")
    ap.add_argument("--sets", nargs="+", help="only these sets (names as in the table)")
    ap.add_argument("--limit", type=int, help="only the first N articles of each set (a quick look)")
    ap.add_argument("--jobs", type=int, default=1, help="briefbot brief --jobs N")
    ap.add_argument("--json", action="store_true", help="also print every figure as one JSON object")
    a = ap.parse_args(argv)

    data, out = Path(a.data), Path(a.out)
    if not (data / "score_quotes.py").exists() and not (data / "score_summaries.py").exists():
        print(f"eval: no scorers in {data}; nothing to measure", file=sys.stderr)
        return 1
    pred = Path(a.pred) if a.pred else None
    results: list[tuple[EvalSet, dict | None]] = []
    for s in eval_sets(data, pred or out, a.folds, a.fold_size, a.sets):
        scorer = data / ("score_quotes.py" if s.kind == "quotes" else "score_summaries.py")
        if not s.gold.exists() or not scorer.exists():
            print(f"eval: {s.name}: not in {data}, skipped", file=sys.stderr)
            continue
        t0 = time.perf_counter()
        figures = score(s, data, out, pred, a.jobs, a.limit)
        if figures is not None and "articles" not in figures:
            figures["articles"] = _count(s.gold, a.limit)
        print(f"eval: {s.name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        results.append((s, figures))
    if not results:
        print("eval: no eval set found", file=sys.stderr)
        return 1
    print(table(results))
    if a.json:
        print(json.dumps({s.name: f for s, f in results}))
    if pred is None:
        print(f"\npredictions saved in {out} (rescore: ./dev eval {data} --pred {out})")
    return 0 if all(f is not None for _, f in results) else 1


if __name__ == "__main__":
    sys.exit(main())
