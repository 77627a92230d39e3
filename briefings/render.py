"""Briefs as text for people, Markdown, or JSON for programs.

These are the terminal and file formats; chat platforms render through the bot's
adapters, which escape article text for their own markup.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from briefings.language import unsupported_notice
from briefings.model import Brief, Quote

_WIDTH = 88
#: Longest quote shown in the human formats; JSON always has the whole text.
_QUOTE_CHARS = 240
_QUOTE_MARKS = "\"“”"


def quote_line(quote: Quote, limit: int = _QUOTE_CHARS) -> str:
    """One quote as a reader sees it: direct words in quotation marks, reported speech as is."""
    text = " ".join(quote.text.split())
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    if quote.kind == "indirect" or (quote.kind == "partial" and any(m in text for m in _QUOTE_MARKS)):
        return text
    return "“" + text.strip(_QUOTE_MARKS) + "”"


def speaker_label(name: str, quotes: list[Quote]) -> str:
    role = next((q.role for q in quotes if q.role), None)
    if quotes and quotes[0].speaker_kind in {"organization", "source"}:
        kind = "organisation" if quotes[0].speaker_kind == "organization" else "unnamed source"
        return f"{name} ({kind})"
    return f"{name} ({role})" if role else name


def to_record(brief: Brief) -> dict[str, Any]:
    """The JSON object of one brief (the ``jsonl`` line the scorers read)."""
    a = brief.article
    return {
        "path": a.path,
        "url": a.url,
        "title": a.title,
        "dek": a.dek,
        "source": a.source,
        "author": a.author,
        "published": a.published.isoformat() if a.published else None,
        "language": a.language,
        "notice": unsupported_notice(a.language),
        "summary": list(brief.summary),
        "summary_spans": [list(s) for s in brief.summary_spans],
        "quotes": [
            {
                "speaker": q.speaker,
                "speaker_kind": q.speaker_kind,
                "role": q.role,
                "text": q.text,
                "start": q.start,
                "end": q.end,
                "speaker_start": q.speaker_start,
                "speaker_end": q.speaker_end,
                "cue": q.cue,
                "kind": q.kind,
                "rule": q.rule,
                "confidence": round(q.confidence, 3),
            }
            for q in brief.quotes
        ],
        "speakers": [
            {"name": name, "kind": qs[0].speaker_kind, "role": next((q.role for q in qs if q.role), None),
             "quotes": len(qs)}
            for name, qs in brief.speakers
        ],
    }


def to_jsonl(brief: Brief) -> str:
    return json.dumps(to_record(brief), ensure_ascii=False)


def wrap(text: str, indent: str, bullet: str = "") -> str:
    return textwrap.fill(text, _WIDTH, initial_indent=indent + bullet,
                         subsequent_indent=indent + " " * len(bullet))


def to_text(brief: Brief, *, speakers: int = 8, quotes_each: int = 3) -> str:
    """A brief for a terminal: headline, source, summary, who said what."""
    a = brief.article
    lines = [a.title or "(untitled)"]
    if a.dek:
        lines.append(wrap(a.dek, ""))
    origin = a.url or a.path or a.source
    if origin:
        lines.append(origin)
    lines.append("")
    notice = unsupported_notice(a.language)
    if notice:
        lines.append(wrap(notice, "  "))
    else:
        lines.extend(wrap(s, "  ", "• ") for s in brief.summary or ("(no summary: the article has no story text)",))
    ranked = brief.speakers
    if ranked:
        lines += ["", "  Who said what"]
        for name, qs in ranked[:speakers]:
            lines.append("    " + speaker_label(name, qs))
            lines.extend(wrap(quote_line(q), "      ", "– ") for q in qs[:quotes_each])
            if len(qs) > quotes_each:
                lines.append(f"      (+{len(qs) - quotes_each} more)")
        if len(ranked) > speakers:
            lines.append(f"    (+{len(ranked) - speakers} more speakers)")
    return "\n".join(lines)


def to_markdown(brief: Brief, *, speakers: int = 8, quotes_each: int = 3) -> str:
    a = brief.article
    title = a.title or "(untitled)"
    lines = [f"## [{title}]({a.url})" if a.url else f"## {title}"]
    if a.dek:
        lines += ["", "*" + " ".join(a.dek.replace("*", "").split()) + "*"]
    if a.path and not a.url:
        lines.append(f"*{a.path}*")
    lines.append("")
    notice = unsupported_notice(a.language)
    if notice:
        lines.append(notice)
    lines.extend(f"- {s}" for s in brief.summary)
    ranked = brief.speakers
    if ranked:
        lines += ["", "### Who said what", ""]
        for name, qs in ranked[:speakers]:
            lines.append(f"- **{speaker_label(name, qs)}**")
            lines.extend(f"  - {quote_line(q)}" for q in qs[:quotes_each])
    return "\n".join(lines) + "\n"
