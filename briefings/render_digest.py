"""A digest of many briefs: one card per story (its outlets, its quotes merged), ranked like a
front page, then who said what across all of them."""

from __future__ import annotations

import json
from typing import Any

from briefings.digest import DigestSpeaker, merge_speakers
from briefings.model import Article, Brief
from briefings.render import escape_markdown, quote_line, wrap
from briefings.stories import DigestStory, StoryQuote, front_page, outlet
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
        {
            "title": a.title,
            "url": a.url,
            "path": a.path,
            "name": a.name,
            "quotes": [
                {"text": q.text, "kind": q.kind, "cue": q.cue, "start": q.start, "end": q.end} for q in a.quotes
            ],
        }
        for a in speaker.appearances
    ]


def _article_record(a: Article) -> dict[str, Any]:
    return {"path": a.path, "url": a.url, "title": a.title, "source": a.source}


def _quote_record(q: StoryQuote) -> dict[str, Any]:
    return {
        "speaker": q.speaker,
        "speaker_kind": q.speaker_kind,
        "kind": q.quote.kind,
        "text": q.quote.text,
        "cue": q.quote.cue,
        "sources": [_article_record(a) for a in q.articles],
    }


def _as_stories(items: list[DigestStory] | list[Brief]) -> list[DigestStory]:
    """Stories as given, or the briefs given grouped into stories."""
    briefs = [x for x in items if isinstance(x, Brief)]
    return front_page(briefs) if briefs else [x for x in items if isinstance(x, DigestStory)]


def to_records(items: list[DigestStory] | list[Brief], speakers: list[DigestSpeaker]) -> dict[str, Any]:
    """The digest as JSON: stories in rank order (every article in exactly one), then
    speakers across all of them (briefs given instead of stories are grouped first)."""
    stories = _as_stories(items)
    return {
        "stories": [
            {
                "title": s.title,
                "summary": list(s.summary),
                "outlets": list(s.outlets),
                "articles": [_article_record(b.article) for b in s.briefs],
                "quotes": [_quote_record(q) for q in s.quotes],
            }
            for s in stories
        ],
        "speakers": [
            {"name": s.name, "kind": s.kind, "roles": list(s.roles), "appearances": _appearance_records(s)}
            for s in speakers
            if s.name is not None
        ],
        "unattributed": [a for s in speakers if s.name is None for a in _appearance_records(s)],
    }


def _story_quotes(story: DigestStory, markdown: bool, limit: int = 3) -> list[str]:
    """A story's most widely carried quotes, each once, with how many outlets carry it."""
    named = [q for q in story.quotes if q.speaker]  # the unattributed are listed once, at the end
    ranked = sorted(named, key=lambda q: -len({outlet(a) for a in q.articles}))
    lines = []
    for q in ranked[:limit]:
        n = len({outlet(a) for a in q.articles})
        who = speaker_label(q.speaker, q.quote.role, q.speaker_kind)
        tail = f" ({n} outlets)" if n > 1 else ""
        line = f"{who}: {quote_line(q.quote)}{tail}"
        lines.append(f"  - {escape_markdown(line)}" if markdown else wrap(line, "    ", "– "))
    return lines


def to_text(items: list[DigestStory] | list[Brief], speakers: list[DigestSpeaker], markdown: bool = False) -> str:
    """The digest as cards: each story once, its outlets under "also in", then who said what.

    Given briefs instead of stories, groups them into stories first."""
    stories = _as_stories(items)
    bullet = "- " if markdown else "• "
    n_articles = sum(len(s.briefs) for s in stories)
    head = f"Digest of {len(stories)} stor{'ies' if len(stories) != 1 else 'y'}"
    if n_articles != len(stories):
        head += f" from {n_articles} articles"
    lines = [("# " if markdown else "") + head, ""]
    for story in stories:
        a = story.lead.article
        title = _where(story.title, a.url, a.path)
        lines.append((f"## [{title}]({a.url})" if a.url else f"## {title}") if markdown else title)
        if not markdown and a.url:
            lines.append(f"  {outlet(a)}: {a.url}")
        elif not markdown and a.path:
            lines.append(f"  {a.path}")
        lines.extend((f"{bullet}{s}" if markdown else wrap(s, "  ", bullet)) for s in story.summary)
        others = story.also_in
        if others:
            if markdown:
                links = ", ".join(
                    f"[{outlet(b.article)}]({b.article.url})" if b.article.url else outlet(b.article) for b in others
                )
                lines.append(f"*also in: {links}*")
            else:
                lines.append(
                    wrap(
                        "also in: "
                        + ", ".join(
                            f"{outlet(b.article)} ({b.article.url})" if b.article.url else outlet(b.article)
                            for b in others
                        ),
                        "  ",
                    )
                )
        lines.extend(_story_quotes(story, markdown))
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
    """The digest in one of the CLI's formats; ``jsonl`` gives one line per speaker."""
    speakers = merge_speakers(briefs)
    if fmt == "jsonl":
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in to_records([], speakers)["speakers"])
    stories = front_page(briefs)
    if fmt == "json":
        return json.dumps(to_records(stories, speakers), ensure_ascii=False, indent=2)
    return to_text(stories, speakers, markdown=fmt == "markdown")
