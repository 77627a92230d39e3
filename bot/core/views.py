"""Building what channels see: cards from briefs, help, and a terminal rendering.

Cards carry article content untouched (adapters escape it for their markup); the
limits here (speakers and quotes per card) keep a reply readable on any platform.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

from bot.core.interface import COMMAND_SPECS, Card, QuoteView, Reply, SpeakerView, command_syntax
from briefings.language import brief_notice
from briefings.model import Brief, Quote
from briefings.wording import quote_text

MAX_SPEAKERS = 8
MAX_QUOTES_EACH = 3
QUOTE_CHARS = 300


def quote_view(quote: Quote, story: str | None = None, limit: int = QUOTE_CHARS) -> QuoteView:
    """A quote for a card, worded once for every platform (``briefings.wording``)."""
    return QuoteView(
        text=quote_text(quote.kind, quote.text, quote.cue, limit), kind=quote.kind, cue=quote.cue, story=story
    )


def speaker_view(name: str | None, role: str | None, kind: str, quotes: Iterable[QuoteView]) -> SpeakerView:
    """One speaker's view; the unattributed group (``name`` None) has no role or kind."""
    if name is None:
        role, kind = None, "unknown"
    return SpeakerView(name=name, role=role, kind=kind, quotes=tuple(quotes))


def speaker_views(
    speakers: Iterable[tuple[str | None, list[Quote]]],
    *,
    max_speakers: int = MAX_SPEAKERS,
    quotes_each: int = MAX_QUOTES_EACH,
) -> tuple[SpeakerView, ...]:
    """The first ``max_speakers`` named speakers, then the unattributed quotes (if any), last."""
    groups = list(speakers)
    named = [g for g in groups if g[0] is not None][:max_speakers]
    views = []
    for name, quotes in named + [g for g in groups if g[0] is None]:
        role = next((q.role for q in quotes if q.role), None)
        kind = quotes[0].speaker_kind if quotes else "unknown"
        views.append(speaker_view(name, role, kind, (quote_view(q) for q in quotes[:quotes_each])))
    return tuple(views)


def _title(brief: Brief) -> str:
    a = brief.article
    return a.title or (a.path and a.path.rsplit("/", 1)[-1]) or a.url or "Untitled article"


def _source(brief: Brief) -> str | None:
    a = brief.article
    if a.source:
        return a.source
    host = urlsplit(a.url).hostname if a.url else None
    return host.removeprefix("www.") if host else None


def brief_card(brief: Brief) -> Card:
    note = brief_notice(brief.article.language, brief.summary) or (
        None if brief.quotes else "No quotes found in this article."
    )
    return Card(
        title=_title(brief),
        url=brief.article.url,
        source=_source(brief),
        summary=brief.summary,
        speakers=speaker_views(brief.speakers),
        note=note,
        dek=brief.article.dek,
    )


def quotes_card(brief: Brief, speaker: str | None = None) -> Card:
    speakers = brief.speakers
    if speaker:
        speakers = [(n, q) for n, q in speakers if n == speaker]
    views = speaker_views(
        speakers, max_speakers=25 if not speaker else 1, quotes_each=MAX_QUOTES_EACH if not speaker else 25
    )
    note = None if views else "No quotes found in this article."
    return Card(
        title=_title(brief), url=brief.article.url, source=_source(brief), summary=(), speakers=views, note=note
    )


def archive_reply(found: list, *, speaker: str | None, words: str | None, days: int | None) -> Reply:
    """Quotes found in a channel's archive (``bot.storage.archive.QuoteRecord``), newest
    first, one card per story with its link; the bot's own words in the text."""
    what = " and ".join(x for x in (f"by “{speaker}”" if speaker else "", f"with “{words}”" if words else "") if x)
    span = f" in the last {days} day{'s' if days != 1 else ''}" if days else ""
    if not found:
        return Reply(text=f"No quotes {what} in this channel's stories{span}.", ephemeral=True)
    cards: list[Card] = []
    groups: dict[str | None, list] = {}  # a story's quotes may come from several outlets' pages
    for r in found:
        groups.setdefault(r.story or r.url, []).append(r)
    for records in groups.values():
        story = records[0].story
        url = Counter(r.url for r in records).most_common(1)[0][0]  # the page most of them came from
        by_speaker: dict[str | None, list[Quote]] = {}  # None: the unattributed, shown last
        for r in records:
            q = Quote(speaker=r.speaker, text=r.text, start=0, end=0, kind=r.kind, speaker_kind=r.speaker_kind)
            by_speaker.setdefault(r.speaker, []).append(q)
        when = f"{records[0].said_at:%d %b %Y}"
        outlets = ", ".join(dict.fromkeys(o for r in records for o in r.outlets)) or None
        cards.append(
            Card(
                title=story or url or "Untitled story",
                url=url,
                source=outlets,
                summary=(),
                speakers=speaker_views(by_speaker.items(), quotes_each=10),
                note=when,
            )
        )
    n = len(found)
    return Reply(
        text=f"{n} quote{'s' if n != 1 else ''} {what} in this channel's stories{span}, newest first.",
        cards=tuple(cards),
    )


def help_reply(platform: str = "console") -> Reply:
    """Every command, spelled as ``platform`` has it (``/briefbot ...`` on Slack)."""
    lines = ["Briefbot reads news for this channel: a short summary of each story and who said what.", ""]
    for spec in COMMAND_SPECS:
        opts = " ".join(f"{o.name}:…" if o.required else f"[{o.name}]" for o in spec.options)
        lock = " (managers)" if spec.manage else ""
        lines.append(f"{command_syntax(platform, spec.name)} {opts}".rstrip() + f" — {spec.description}{lock}")
    return Reply(text="\n".join(lines), ephemeral=True)


def render_text(reply: Reply, width: int = 88) -> str:
    """A reply as plain text for the terminal."""
    parts: list[str] = []
    if reply.text:
        parts.append(("Error: " if reply.error else "") + reply.text)
    for card in reply.cards:
        parts.append(_card_text(card, width))
    return "\n\n".join(parts)


def _card_text(card: Card, width: int) -> str:
    head = card.title + (f" — {card.source}" if card.source else "")
    lines = [head, "=" * min(len(head), width)]
    if card.dek:
        lines.append(textwrap.fill(card.dek, width))
    if card.url:
        lines.append(card.url)
    if card.summary:
        lines.append("")
        lines.append("Summary:")
        for s in card.summary:
            lines.append(textwrap.fill(s, width, initial_indent="  • ", subsequent_indent="    "))
    if card.speakers:
        lines.append("")
        lines.append("Who said what:")
        for sp in card.speakers:
            lines.append(f"  {sp.label}")
            for q in sp.quotes:
                text = q.text + (f" — {q.story}" if q.story else "")
                lines.append(textwrap.fill(text, width, initial_indent="    – ", subsequent_indent="      "))
    if card.note:
        lines.append("")
        lines.append(card.note)
    return "\n".join(lines)
