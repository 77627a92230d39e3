"""Brief <-> JSON for the cache. Round-trips every field, so a cached brief is the brief."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime

from briefings.model import Article, Brief, OffsetMap, Quote


def brief_to_json(brief: Brief) -> str:
    data = asdict(brief)
    published = brief.article.published
    data["article"]["published"] = published.isoformat() if published else None
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def brief_from_json(text: str) -> Brief:
    data = json.loads(text)
    art = dict(data["article"])
    offsets = art.pop("offsets") or {}
    published = art.pop("published", None)
    article = Article(
        **art,
        offsets=OffsetMap(tuple(offsets.get("clean_starts", (0,))), tuple(offsets.get("original_starts", (0,)))),
        published=datetime.fromisoformat(published) if published else None,
    )
    return Brief(
        article=article,
        summary=tuple(data.get("summary", ())),
        quotes=tuple(Quote(**q) for q in data.get("quotes", ())),
        summary_spans=tuple(tuple(s) for s in data.get("summary_spans", ())),
    )
