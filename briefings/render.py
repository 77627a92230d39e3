"""Briefs as text for people, Markdown, or JSON for programs.

These are the terminal and file formats; chat platforms render through the bot's
adapters, which escape article text for their own markup.
"""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any

from briefings.language import brief_notice
from briefings.model import Brief, Quote
from briefings.wording import QUOTE_CHARS, quote_text
from briefings.wording import speaker_label as wording_label

_WIDTH = 88
#: Longest quote shown in the human formats; JSON always has the whole text.
_QUOTE_CHARS = QUOTE_CHARS


def quote_line(quote: Quote, limit: int = _QUOTE_CHARS) -> str:
    """One quote as a reader sees it (``briefings.wording.quote_text``): direct words in
    quotation marks once, reported speech as "said that …", never in marks."""
    return quote_text(quote.kind, quote.text, quote.cue, limit)


def speaker_label(name: str | None, quotes: list[Quote]) -> str:
    """``Name (role)``, ``Name (organisation)``, or ``Unattributed`` (``briefings.wording``)."""
    role = next((q.role for q in quotes if q.role), None)
    return wording_label(name, role, quotes[0].speaker_kind if quotes else None)


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
        "notice": brief_notice(a.language, brief.summary),
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
        # Only named speakers: quotes with ``speaker: null`` are counted apart.
        "speakers": [
            {
                "name": name,
                "kind": qs[0].speaker_kind,
                "role": next((q.role for q in qs if q.role), None),
                "quotes": len(qs),
            }
            for name, qs in brief.speakers
            if name is not None
        ],
        "unattributed": sum(1 for q in brief.quotes if not q.speaker),
    }


def shown_speakers(brief: Brief, limit: int) -> tuple[list[tuple[str | None, list[Quote]]], int]:
    """The first ``limit`` named speakers, then the unattributed quotes (always shown, last),
    and how many named speakers were left out."""
    named = [(n, qs) for n, qs in brief.speakers if n is not None]
    rest = [(n, qs) for n, qs in brief.speakers if n is None]
    shown: list[tuple[str | None, list[Quote]]] = [*named[:limit], *rest]
    return shown, max(0, len(named) - limit)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~@&]|^[#+\-=>])")


def escape_markdown(text: str) -> str:
    """Article text shown literally in Markdown: no emphasis, links, HTML, entities or mentions."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def to_jsonl(brief: Brief) -> str:
    return json.dumps(to_record(brief), ensure_ascii=False)


def wrap(text: str, indent: str, bullet: str = "") -> str:
    return textwrap.fill(text, _WIDTH, initial_indent=indent + bullet, subsequent_indent=indent + " " * len(bullet))


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
    notice = brief_notice(a.language, brief.summary)
    if notice:
        lines.append(wrap(notice, "  "))
    lines.extend(wrap(s, "  ", "• ") for s in brief.summary)
    ranked, hidden = shown_speakers(brief, speakers)
    if ranked:
        lines += ["", "  Who said what"]
        for name, qs in ranked:
            lines.append("    " + speaker_label(name, qs))
            lines.extend(wrap(quote_line(q), "      ", "– ") for q in qs[:quotes_each])
            if len(qs) > quotes_each:
                lines.append(f"      (+{len(qs) - quotes_each} more)")
        if hidden:
            lines.append(f"    (+{hidden} more speakers)")
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
    notice = brief_notice(a.language, brief.summary)
    if notice:
        lines.append(notice)
    lines.extend(f"- {s}" for s in brief.summary)
    ranked, _ = shown_speakers(brief, speakers)
    if ranked:
        lines += ["", "### Who said what", ""]
        for name, qs in ranked:
            lines.append(f"- **{escape_markdown(speaker_label(name, qs))}**")
            lines.extend(f"  - {escape_markdown(quote_line(q))}" for q in qs[:quotes_each])
    return "\n".join(lines) + "\n"
