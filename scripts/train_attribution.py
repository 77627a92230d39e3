#!/usr/bin/env python3
"""Train the attribution confidence model from annotated news.

    python scripts/train_attribution.py GOLD.jsonl [GOLD.jsonl ...] \
        [--out briefings/lang/en/attribution_model.json] [--folds 4] [--cache FILE]

Each GOLD line is ``{"id", "text", "quotes": [{"start", "end", "speaker",
"speaker_resolved"}]}`` (the format of the evaluation sets). Every article is briefed by
the engine (the sieve, without the model); each quote that got a speaker becomes one
example: positive when it matches an annotated quote (more than 30 % of the annotated
span) whose speaker shares a name word with ours, negative when the names differ or when
the quote matches no annotated quote at all (a name shown beside a non-quote is a wrong
name shown). Annotated quotes whose speaker has no name (an unresolved "he") are skipped.

The model is an L2-regularised logistic regression over the named features of
:func:`briefings.quotes.confidence.features`, fitted with Newton steps in NumPy. With
``--folds K`` the articles of the *first* GOLD file are split into K folds by a hash of
their id and each fold is scored by a model trained on the rest (other files always train):
it prints, per confidence threshold, how often a name shown is right and how many
annotated quotes with a named speaker keep a right name. The model written at the end is
trained on everything given.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefings import nlp as nlp_loader  # noqa: E402
from briefings.loading import article_from_text  # noqa: E402
from briefings.quotes.confidence import features  # noqa: E402
from briefings.quotes.extract import find_quotes  # noqa: E402
from briefings.quotes.vocab import vocabulary  # noqa: E402

_IGNORED = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "prof",
    "sir",
    "the",
    "a",
    "an",
    "of",
    "and",
    "said",
    "says",
    "he",
    "she",
    "they",
    "it",
    "we",
    "i",
    "you",
    "him",
    "her",
    "them",
    "his",
    "hers",
    "their",
    "its",
    "who",
    "which",
    "that",
    "this",
    "these",
    "those",
    "one",
    "official",
    "officials",
    "jr",
    "sr",
}


def name_words(name: str | None) -> set[str]:
    toks = re.findall(r"[a-z0-9][a-z0-9'.-]*", (name or "").lower())
    toks = [t.strip(".'-").removesuffix("'s") for t in toks]
    return {t for t in toks if len(t) > 1 and t not in _IGNORED}


def gold_speaker_names(g: dict) -> set[str]:
    """The annotated speaker's name words; none when the annotation left a description
    unresolved ("the billionaire" with no resolved name: who it means is not known, and
    a right resolution would be scored wrong)."""
    resolved = g.get("speaker_resolved")
    if resolved:
        return name_words(resolved)
    mention = (g.get("speaker") or "").strip()
    # The mention's head is the last word before any modifier after it ("The senator from
    # Vermont", "the former top aide to ...", "excerpts of his speech ...").
    words = re.split(r"[\s,]+", re.split(r",|\b(?:of|from|to|at|for|with|in|who|that)\b", mention)[0].strip())
    head = words[-1] if words else ""
    if not head[:1].isupper():
        return set()  # headed by a common noun ("the Republican frontrunner"): a description
    return name_words(mention)


def fold_of(article_id: str, folds: int) -> int:
    return int(hashlib.sha256(article_id.encode()).hexdigest(), 16) % folds


def examples(rows: list[dict], source: str) -> list[dict]:
    """One example per attributed quote: features, label, and what it matched."""
    nlp = nlp_loader.load()
    vocab = vocabulary(nlp.lang)
    articles = [article_from_text(r["text"]) for r in rows]
    out = []
    docs = nlp.pipe((a.text for a in articles), batch_size=32, disable=["briefbot_quotes"])
    for row, article, doc in zip(rows, articles, docs):
        ctx = find_quotes(doc, vocab)
        gold = row["quotes"]
        used: set[int] = set()
        for it in ctx.items if ctx else []:
            if it.speaker is None:
                continue
            start, end = article.offsets.span_to_original(it.start, it.end)
            best, best_s = None, 0.3
            for k, g in enumerate(gold):
                if k in used or g["end"] <= g["start"]:
                    continue
                inter = max(0, min(g["end"], end) - max(g["start"], start))
                s = inter / (g["end"] - g["start"])
                if s > best_s:
                    best, best_s = k, s
            if best is not None:
                used.add(best)
            out.append(
                {
                    "id": row["id"],
                    "source": source,
                    "x": features(it, ctx),
                    "speaker": it.speaker.name,
                    "gold": gold[best] if best is not None else None,
                    "matched": best is not None,
                }
            )
        # Annotated quotes with a named speaker: the denominator of "speaker name".
        out.append({"id": row["id"], "source": source, "gold_named": sum(1 for g in gold if gold_speaker_names(g))})
    return out


def label(e: dict, negatives: set[str]) -> dict | None:
    """The example with its label ``y``, or None when it cannot be judged: a quote matching
    no annotation counts as a wrong name shown only in the ``negatives`` sets; an annotated
    speaker with no name says nothing about whether ours is right."""
    if "x" not in e:
        return e
    if e["gold"] is None:
        return {**e, "y": 0} if e["source"] in negatives else None
    names = gold_speaker_names(e["gold"])
    if not names:
        return None
    return {**e, "y": int(bool(names & name_words(e["speaker"])))}


def fit(
    xs: list[dict[str, float]], ys: list[int], l2: float = 1.0, sample_weights: list[float] | None = None
) -> tuple[dict[str, float], float]:
    names = sorted({k for x in xs for k in x})
    index = {k: i for i, k in enumerate(names)}
    X = np.zeros((len(xs), len(names) + 1))
    X[:, -1] = 1.0
    for r, x in enumerate(xs):
        for k, v in x.items():
            X[r, index[k]] = v
    y = np.asarray(ys, dtype=float)
    sw = np.asarray(sample_weights if sample_weights is not None else [1.0] * len(ys), dtype=float)
    w = np.zeros(X.shape[1])
    reg = np.full(X.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(30):
        p = 1.0 / (1.0 + np.exp(-np.clip(X @ w, -30, 30)))
        grad = X.T @ (sw * (p - y)) + reg * w
        hess = (X * (sw * p * (1 - p))[:, None]).T @ X + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return {k: round(float(w[i]), 4) for k, i in index.items() if abs(w[i]) > 1e-4}, round(float(w[-1]), 4)


def probability(weights: dict[str, float], bias: float, x: dict[str, float]) -> float:
    z = bias + sum(weights.get(k, 0.0) * v for k, v in x.items())
    return 1.0 / (1.0 + np.exp(-max(-30.0, min(30.0, z))))


def report(held: list[dict], weights: dict[str, float], bias: float, label: str) -> None:
    ex = [e for e in held if "x" in e]
    gold_named = sum(e.get("gold_named", 0) for e in held)
    probs = [probability(weights, bias, e["x"]) for e in ex]
    print(f"\n{label}: {len(ex)} attributed quotes, {gold_named} annotated quotes with a named speaker")
    print("  threshold  shown  named-P  right-names  (right names / annotated named)")
    for t in (0.0, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7):
        shown = [e for e, p in zip(ex, probs) if p >= t]
        right = sum(e["y"] for e in shown)
        print(
            f"  {t:9.2f}  {len(shown):5d}  {100 * right / max(1, len(shown)):6.1f}  "
            f"{right:5d} ({100 * right / max(1, gold_named):5.1f})"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gold", nargs="+", type=Path)
    ap.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent.parent / "briefings/lang/en/attribution_model.json"
    )
    ap.add_argument("--folds", type=int, default=0)
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--cache", type=Path, help="keep the extracted examples here (re-used when present)")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument(
        "--negatives-from",
        action="append",
        default=[],
        metavar="FILE_NAME",
        help="count quotes matching no annotation as negatives only for these sets "
        "(annotation scopes differ: PolNeAR marks beliefs and plans, not every quote)",
    )
    ap.add_argument(
        "--weight",
        action="append",
        default=[],
        metavar="FILE_NAME=W",
        help="weight the examples of one set (default 1)",
    )
    a = ap.parse_args()

    if a.cache and a.cache.exists():
        data = pickle.loads(a.cache.read_bytes())
    else:
        data = []
        for path in a.gold:
            rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
            print(f"briefing {len(rows)} articles of {path.name} ...", file=sys.stderr)
            data.extend(examples(rows, path.name))
        if a.cache:
            a.cache.write_bytes(pickle.dumps(data))
    first = a.gold[0].name
    negatives = set(a.negatives_from)
    data = [labelled for e in data if (labelled := label(e, negatives)) is not None]
    weights_of = {k: float(v) for k, v in (w.split("=", 1) for w in a.weight)}

    def train_on(examples: list[dict]) -> tuple[dict[str, float], float]:
        return fit(
            [e["x"] for e in examples],
            [e["y"] for e in examples],
            a.l2,
            [weights_of.get(e["source"], 1.0) for e in examples],
        )

    if a.folds > 1:
        for k in range(a.folds):
            train = [e for e in data if "x" in e and not (e["source"] == first and fold_of(e["id"], a.folds) == k)]
            held = [e for e in data if e["source"] == first and fold_of(e["id"], a.folds) == k]
            weights, bias = train_on(train)
            report(held, weights, bias, f"fold {k} of {first}")
    train = [e for e in data if "x" in e]
    weights, bias = train_on(train)
    for source in sorted({e["source"] for e in data}):
        report([e for e in data if e["source"] == source], weights, bias, f"{source} (trained on)")
    if not a.no_write:
        a.out.write_text(
            json.dumps(
                {
                    "about": "Attribution confidence (logistic); trained by scripts/train_attribution.py on "
                    + ", ".join(p.name for p in a.gold),
                    "bias": bias,
                    "weights": dict(sorted(weights.items())),
                },
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"wrote {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
