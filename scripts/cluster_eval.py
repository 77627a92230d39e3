"""Score the same-story clusters on texts of our own writing (tests/cluster_eval/texts).

File names say what each text is: ``<topic>-<event>-<outlet>.txt``. From them:

* **wire variants**: every text (and every seed article) gets two agency-style copies,
  with another headline, a local intro and the body cut at another paragraph; a variant
  counts as merged when it lands in its original's story;
* **same event**: two outlets' texts of one ``<topic>-<event>``: found together or not;
* **same topic**: texts of one topic but different events: every such pair in one story
  is a false merge.

All texts are clustered in one batch, as the CLI does. Run:
    .venv/bin/python scripts/cluster_eval.py [--show]
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefings.clusters import ClusterItem, cluster  # noqa: E402
from briefings.loading import load_path  # noqa: E402

_INTROS = (
    "Residents of Brookfield County will be watching closely.",
    "LOCAL ANGLE: Two businesses in Carver Street say they are already feeling the effects.",
    "Here is what we know so far, with reporting from our partners.",
    "Editor's note: this story has been updated with new information.",
)


def wire_variants(name: str, title: str | None, text: str, rng: random.Random) -> list[tuple[str, str]]:
    """Two agency copies of one text: (name, text) each."""
    paras = [p for p in re.split(r"\n\s*", text) if p.strip()]
    out = []
    for n in range(2):
        keep = len(paras) if n == 0 else max(2, min(len(paras) - 1, rng.randint(2, max(2, len(paras)))))
        body = paras[:keep]
        if n == 1:
            body = [rng.choice(_INTROS)] + body
        else:
            body = body[:]
            body[-1] = body[-1] + " The report was first carried by the agency."
        headline = f"{'UPDATE: ' if n == 0 else ''}{(title or 'Story').split(' ', 1)[-1].capitalize()}"
        out.append((f"{name}~wire{n}", headline + "\n\n" + "\n\n".join(body)))
    return out


def load(rng: random.Random) -> tuple[list[ClusterItem], dict[str, str]]:
    """Items to cluster and each item's truth label (event id; wire copies share their base's)."""
    items, truth = [], {}
    bases = sorted((ROOT / "tests/cluster_eval/texts").glob("*.txt")) + sorted((ROOT / "seeds").glob("*.txt"))
    for path in bases:
        article = load_path(str(path))[0]
        name = path.stem
        event = "-".join(name.split("-")[:2]) if path.parent.name == "texts" else f"seed:{name}"
        items.append(ClusterItem(key=name, text=article.text, title=article.title, source=name))
        truth[name] = event
        for vname, vtext in wire_variants(name, article.title, article.text, rng):
            from briefings.loading import article_from_text

            v = article_from_text(vtext, path=vname)
            items.append(ClusterItem(key=vname, text=v.text, title=v.title, source="wire"))
            truth[vname] = event
    return items, truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="list every miss and false merge")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    items, truth = load(random.Random(args.seed))
    stories = cluster(items)
    story_of = {k: i for i, s in enumerate(stories) for k in s.keys}
    wire = [k for k in truth if "~wire" in k]
    wire_ok = [k for k in wire if story_of[k] == story_of[k.split("~")[0]]]
    originals = [k for k in truth if "~" not in k and not truth[k].startswith("seed:")]
    same_event = [(a, b) for a, b in itertools.combinations(originals, 2) if truth[a] == truth[b]]
    found = [(a, b) for a, b in same_event if story_of[a] == story_of[b]]
    topic = [
        (a, b)
        for a, b in itertools.combinations(originals, 2)
        if truth[a] != truth[b] and truth[a].split("-")[0] == truth[b].split("-")[0]
    ]
    topic_merged = [(a, b) for a, b in topic if story_of[a] == story_of[b]]
    distinct = [
        (a, b) for a, b in itertools.combinations(truth, 2) if truth[a] != truth[b] and story_of[a] == story_of[b]
    ]
    print(f"wire variants merged:      {len(wire_ok)}/{len(wire)} = {100 * len(wire_ok) / len(wire):.1f}%")
    print(f"same-event pairs together: {len(found)}/{len(same_event)} = {100 * len(found) / len(same_event):.1f}%")
    print(f"same-topic pairs merged:   {len(topic_merged)}/{len(topic)}")
    print(f"pairs of distinct stories in one story (any): {len(distinct)}")
    if args.show:
        for k in sorted(set(wire) - set(wire_ok)):
            print("wire miss:", k)
        for a, b in sorted(set(same_event) - set(found)):
            print("event miss:", a, b)
        for a, b in topic_merged:
            print("topic merge:", a, b)
        for a, b in distinct:
            print("distinct merge:", a, b)
    return 0


if __name__ == "__main__":
    sys.exit(main())
