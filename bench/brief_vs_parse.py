"""How much does a whole brief cost compared with the bare spaCy parse it is built on?

Briefs N news-sized texts (load, clean, parse, summarize, who said what) and runs a
bare ``nlp.pipe`` over the same texts with the same model in the same run, alternating
rounds so that machine noise hits both alike; prints the per-article times and their
ratio (target: at most 1.15), and the share of each engine stage.

    .venv/bin/python bench/brief_vs_parse.py                 # 240 texts built from seeds/
    .venv/bin/python bench/brief_vs_parse.py --jsonl FILE    # texts from a JSONL "text" field
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefings import nlp as nlp_loader  # noqa: E402
from briefings.engine import brief_doc, iter_briefs  # noqa: E402
from briefings.loading import article_from_text, split_headline  # noqa: E402
from briefings.quotes import extract_quotes  # noqa: E402
from briefings.summarize import summarize  # noqa: E402


def seed_corpus(n: int, seed: int = 0) -> list[str]:
    """News-sized texts recombined from the bundled seed articles' paragraphs.

    Each text gets a headline and 6-12 paragraphs drawn from all seeds, so texts differ
    while keeping real news prose, quotes and furniture.
    """
    paragraphs: list[str] = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        _, start = split_headline(text)
        paragraphs += [p.strip() for p in text[start:].split("\n\n") if p.strip()]
    rng = random.Random(seed)
    texts = []
    for i in range(n):
        body = rng.sample(paragraphs, k=min(len(paragraphs), rng.randint(6, 12)))
        texts.append(f"Story number {i} of the benchmark\n\n" + "\n\n".join(body))
    return texts


def jsonl_corpus(path: str, n: int) -> list[str]:
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    texts = [r["text"] for r in rows]
    while len(texts) < n:
        texts += texts[: n - len(texts)]
    return texts[:n]


def time_bare(nlp, texts: list[str]) -> float:
    """The model's own pipes only: the attribution component is part of the brief."""
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=32, disable=[nlp_loader.QUOTES_PIPE]):
        pass
    return time.perf_counter() - t0


def time_brief(nlp, texts: list[str]) -> float:
    t0 = time.perf_counter()
    articles = [article_from_text(t) for t in texts]
    for _ in iter_briefs(articles, nlp=nlp):
        pass
    return time.perf_counter() - t0


def stage_shares(nlp, texts: list[str]) -> dict[str, float]:
    """Seconds per stage, measured in one instrumented pass."""
    t = {"load+clean": 0.0, "parse": 0.0, "summarize": 0.0, "quotes": 0.0, "assemble": 0.0}
    t0 = time.perf_counter()
    articles = [article_from_text(x) for x in texts]
    t["load+clean"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    docs = list(nlp.pipe((a.text for a in articles), batch_size=32, disable=[nlp_loader.QUOTES_PIPE]))
    t["parse"] = time.perf_counter() - t0
    for doc in docs:
        t0 = time.perf_counter()
        summarize(doc, sentences=3)
        t1 = time.perf_counter()
        extract_quotes(doc)
        t["summarize"] += t1 - t0
        t["quotes"] += time.perf_counter() - t1
    t0 = time.perf_counter()
    for a, doc in zip(articles, docs):
        brief_doc(a, doc)
    # brief_doc repeats summarize + quotes; what it adds beyond them is the assembly
    t["assemble"] = max(0.0, time.perf_counter() - t0 - t["summarize"] - t["quotes"])
    return t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=240, help="number of texts (at least 200 for the report)")
    ap.add_argument("--jsonl", help="take texts from this JSONL file's 'text' field")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()

    texts = jsonl_corpus(a.jsonl, a.n) if a.jsonl else seed_corpus(a.n)
    words = sum(len(t.split()) for t in texts) / len(texts)
    nlp = nlp_loader.load()
    print(f"model {nlp.meta['lang']}_{nlp.meta['name']} {nlp.meta['version']}, pipes {nlp.pipe_names}")
    print(f"{len(texts)} texts, {words:.0f} words each on average, {a.rounds} alternating rounds")
    time_bare(nlp, texts[:20])
    time_brief(nlp, texts[:20])  # warm both paths
    # Interleave small chunks, alternating which path goes first, so that load from
    # elsewhere on the machine falls on both paths alike.
    # The strict baseline parses the cleaned bodies too, so it shows the engine's own
    # overhead without the saving of not parsing headlines and furniture.
    bodies = [article_from_text(t).text for t in texts]
    bare, strict, brief = [], [], []
    for r in range(a.rounds):
        tb = ts = tf = 0.0
        for i in range(0, len(texts), 40):
            chunk, clean_chunk = texts[i : i + 40], bodies[i : i + 40]
            if (i // 40 + r) % 2:
                tf += time_brief(nlp, chunk)
                ts += time_bare(nlp, clean_chunk)
                tb += time_bare(nlp, chunk)
            else:
                tb += time_bare(nlp, chunk)
                ts += time_bare(nlp, clean_chunk)
                tf += time_brief(nlp, chunk)
        bare.append(tb)
        strict.append(ts)
        brief.append(tf)
    b, s, f = statistics.median(bare), statistics.median(strict), statistics.median(brief)
    n = len(texts)
    print(f"bare nlp.pipe   {1000 * b / n:7.2f} ms/article (the texts as given)")
    print(f"bare nlp.pipe   {1000 * s / n:7.2f} ms/article (the cleaned bodies the engine parses)")
    print(f"whole brief     {1000 * f / n:7.2f} ms/article")
    shares = stage_shares(nlp, texts)
    total = sum(shares.values())
    print("stages: " + ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in shares.items()))
    print(f"ratio brief/bare-parse of the cleaned bodies {f / s:.3f} (the engine's own overhead)")
    print(f"ratio brief/bare-parse {f / b:.3f} (target <= 1.15)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
