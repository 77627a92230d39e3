"""A digest of many briefs: each story's summary, then who said what across all of them."""

from __future__ import annotations

import json
from typing import Any

from briefings.digest import DigestSpeaker, merge_speakers
from briefings.model import Brief
from briefings.render import escape_markdown, quote_line, wrap
from briefings.wording import speaker_label

_SPEAKERS = 15
_QUOTES_EACH = 4


def _where(title: str | None, url: str | None, path: str | None) -> str:
    return title or url or path or "(untitled)"


def _label(speaker: DigestSpeaker) -> str:
    head = speaker_label(speaker.name, speaker.roles[0] if speaker.roles else None, speaker.kind)
    n, k = speaker.quote_count, speaker.article_count
    return f"{head}: {n} quote{'s' * (n != 1)} in {k} stor{'ies' if k != 1 else 'y'}"


def _appearance_records(speaker: DigestSpeaker) -> list[dict[str, Any]]:
    return [
        {"title": a.title, "url": a.url, "path": a.path, "name": a.name,
         "quotes": [{"text": q.text, "kind": q.kind, "cue": q.cue, "start": q.start, "end": q.end}
                    for q in a.quotes]}
        for a in speaker.appearances
    ]


def to_records(briefs: list[Brief], speakers: list[DigestSpeaker]) -> dict[str, Any]:
    """``speakers`` lists named speakers only; quotes nobody was named for are under
    ``unattributed`` (their appearances, story by story)."""
    return {
        "stories": [
            {"path": b.article.path, "url": b.article.url, "title": b.article.title, "summary": list(b.summary)}
            for b in briefs
        ],
        "speakers": [
            {"name": s.name, "kind": s.kind, "roles": list(s.roles), "appearances": _appearance_records(s)}
            for s in speakers if s.name is not None
        ],
        "unattributed": [a for s in speakers if s.name is None for a in _appearance_records(s)],
    }


def to_text(briefs: list[Brief], speakers: list[DigestSpeaker], markdown: bool = False) -> str:
    bullet = "- " if markdown else "• "
    lines = [("# " if markdown else "") + f"Digest of {len(briefs)} stor{'ies' if len(briefs) != 1 else 'y'}", ""]
    for b in briefs:
        a = b.article
        title = _where(a.title, a.url, a.path)
        lines.append(f"## {title}" if markdown else title)
        lines.extend((f"{bullet}{s}" if markdown else wrap(s, "  ", bullet)) for s in b.summary)
        lines.append("")
    if speakers:
        lines += ["## Who said what" if markdown else "Who said what", ""]
    named = [s for s in speakers if s.name is not None]
    md = escape_markdown if markdown else str
    for s in named[:_SPEAKERS] + [s for s in speakers if s.name is None]:
        lines.append(f"**{md(_label(s))}**" if markdown else "  " + _label(s))
        shown = 0
        for appearance in s.appearances:
            if shown >= _QUOTES_EACH:
                break
            where = _where(appearance.title, appearance.url, appearance.path)
            lines.append(f"  - *{md(where)}*" if markdown else "    " + where)
            for quote in appearance.quotes[: _QUOTES_EACH - shown]:
                lines.append(f"    - {md(quote_line(quote))}" if markdown else wrap(quote_line(quote), "      ", "– "))
                shown += 1
        if s.quote_count > shown:
            lines.append(f"  (+{s.quote_count - shown} more)")
    if len(named) > _SPEAKERS:
        lines.append(f"(+{len(named) - _SPEAKERS} more speakers)")
    return "\n".join(lines).rstrip() + "\n"


def render(briefs: list[Brief], fmt: str) -> str:
    """The digest in one of the CLI's formats; ``jsonl`` gives one line per named speaker
    (the unattributed quotes are in ``json``'s ``unattributed``)."""
    speakers = merge_speakers(briefs)
    if fmt == "json":
        return json.dumps(to_records(briefs, speakers), ensure_ascii=False, indent=2)
    if fmt == "jsonl":
        records = to_records(briefs, speakers)["speakers"]
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    return to_text(briefs, speakers, markdown=fmt == "markdown")
