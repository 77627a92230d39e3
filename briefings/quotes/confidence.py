"""How sure the sieve is of a speaker: a small logistic model over the resolution.

Each resolved quote is described by a handful of features (which resolver named the
speaker, what kind of speaker, what kind of quote, how far the naming mention is, how
many people the story had just mentioned); a logistic model trained on annotated news
(``scripts/train_attribution.py``, weights in ``lang/<code>/attribution_model.json``)
turns them into the probability that the name shown is right. The component shows a name
only above its ``min_confidence``: an unattributed quote is better than a wrong name.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .sieve import QuoteContext, QuoteItem

MODEL_FILE = "attribution_model.json"


def features(it: QuoteItem, ctx: QuoteContext) -> dict[str, float]:
    """What the model sees of one attributed quote (names, not positions, so it transfers)."""
    sp = it.speaker
    if sp is None:
        return {}
    rule = sp.rule or "none"
    feats: dict[str, float] = {
        f"rule={rule}": 1.0,
        f"pass={rule.split(':', 1)[0]}": 1.0,
        f"kind={sp.kind}": 1.0,
        f"quote={it.kind}": 1.0,
        f"kind={sp.kind}&quote={it.kind}": 1.0,
    }
    if sp.start is not None:
        gap = it.start - sp.end if sp.end is not None and sp.end <= it.start else sp.start - it.end
        feats["log_gap"] = math.log1p(max(0, gap)) / 8.0
        feats["mention_after"] = float(sp.start >= it.end)
        feats["same_paragraph"] = float(ctx.layout.index(sp.start) == ctx.layout.index(it.start))
    else:
        feats["no_mention"] = 1.0
    if sp.person is not None:
        feats["log_mentions"] = math.log1p(len(sp.person.mentions)) / 3.0
        feats["single_word_name"] = float(len(sp.person.name) == 1)
        feats["gender_known"] = float(sp.person.gender is not None)
    feats["rivals"] = min(ctx.cast.people_near(it.start), 6) / 6.0
    if it.report is not None and it.report.according:
        feats["according"] = 1.0
    if it.marked is not None:
        feats["quote_words"] = min(len(ctx.text[it.start : it.end].split()), 60) / 60.0
    return feats


@dataclass(frozen=True)
class AttributionModel:
    """Logistic weights over named features; an empty model trusts every speaker."""

    weights: dict[str, float]
    bias: float = 0.0

    def probability(self, feats: dict[str, float]) -> float:
        if not self.weights and not self.bias:
            return 1.0
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in feats.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@lru_cache(maxsize=None)
def load_model(lang: str) -> AttributionModel:
    """The language's trained model, or a model that trusts every speaker when none ships."""
    path = resources.files("briefings.lang").joinpath(lang, MODEL_FILE)
    if not path.is_file():
        return AttributionModel({})
    data = json.loads(path.read_text(encoding="utf-8"))
    return AttributionModel(dict(data["weights"]), float(data.get("bias", 0.0)))
