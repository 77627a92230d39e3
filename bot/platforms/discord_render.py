"""Turn a command-layer ``Reply`` into Discord messages that fit Discord's limits.

Kept apart from the client code so the limits and the escaping can be unit-tested
without a network. Two rules drive everything here:

* Article text comes from the outside world. It is escaped so it can neither format
  (markdown) nor mention (``@everyone``, ``<@id>``, ``<@&role>``, ``<#channel>``) — the
  messages also go out with ``AllowedMentions.none()``, but an unescaped ``<@&123>`` would
  still render as a role pill and look like a ping.
* Discord rejects an oversize message outright, so every string is measured against
  its limit and split at word boundaries over several fields, embeds and messages;
  a cut mid-word happens only for a single "word" longer than the whole limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

import discord

from bot.core.interface import Card, QuoteView, Reply, SpeakerView

# Discord's documented limits (https://discord.com/developers/docs/resources/message).
CONTENT_LIMIT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL = 6000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER_TEXT = 2048
AUTHOR_NAME = 256
URL_LIMIT = 2048

ZWSP = "\u200b"
ELLIPSIS = "…"
BULLET = "• "
COLOUR = discord.Colour(0x3B82F6)
ERROR_COLOUR = discord.Colour(0xDC2626)

# <@123> <@!123> <@&123> <#123> </cmd:123>: a zero-width space after "<" stops Discord
# from parsing them as mentions whatever the id length (escape_mentions needs 17-20 digits).
_ANGLE_MENTION = re.compile(r"<(?=[@#/])")
_BARE_MENTION = re.compile(r"@(?=(everyone|here)\b)", re.IGNORECASE)
_MASKED_LINK = re.compile(r"\]\(")
# What discord.utils.escape_markdown acts on inside one line (block syntax is only at its start).
_MARKDOWN_CHARS = re.compile(r"[_\\~|*`\[]")


@dataclass
class OutgoingMessage:
    """One Discord message: content and/or up to 10 embeds."""

    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)

    def embed_chars(self) -> int:
        return sum(embed_size(e) for e in self.embeds)


# -- escaping ----------------------------------------------------------------------------


def neutralise_mentions(text: str) -> str:
    """Make every mention form inert with a zero-width space (bot text and article text)."""
    text = discord.utils.escape_mentions(text)
    text = _ANGLE_MENTION.sub("<" + ZWSP, text)
    return _BARE_MENTION.sub("@" + ZWSP, text)


def escape_article(text: str) -> str:
    """Escape outside text so it shows literally: no markdown, no mentions, one line per line."""
    text = " ".join(text.split())  # article text never needs its own line structure here
    if text[:1] in ">#-" or _MARKDOWN_CHARS.search(text):  # its regex is slow; prose rarely needs it
        text = discord.utils.escape_markdown(text)
    return neutralise_mentions(text)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL Discord will accept as an embed link, else ``None``."""
    if not url or len(url) > URL_LIMIT or any(c.isspace() for c in url):
        return None
    parsed = urlparse(url)
    return url if parsed.scheme in ("http", "https") and parsed.netloc else None


# -- splitting ---------------------------------------------------------------------------


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` characters at word boundaries.

    Prefers paragraph, then line, then sentence, then word boundaries. A single word
    longer than ``limit`` is the only thing ever cut, and never right after an escaping
    backslash (which would un-escape the next character).
    """
    if limit <= 0:
        raise ValueError("limit must be positive")
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _best_cut(rest, limit)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            chunks.append(head)
    if rest:
        chunks.append(rest)
    return chunks


def _best_cut(text: str, limit: int) -> int:
    window = text[: limit + 1]
    for sep in ("\n\n", "\n", ". ", " "):
        pos = window.rfind(sep)
        if pos > 0:
            return pos + (1 if sep == ". " else 0)
    cut = limit  # one over-long word: cut it, but not between "\" and what it escapes
    while cut > 1 and text[cut - 1] == "\\":
        cut -= 1
    return cut


def shorten(text: str, limit: int) -> str:
    """Fit a one-line string (title, name) into ``limit``, ending on a whole word + "…"."""
    if len(text) <= limit:
        return text
    head = split_text(text, limit - len(ELLIPSIS))[0]
    return head.rstrip(" \\") + ELLIPSIS


# -- embeds ------------------------------------------------------------------------------


def embed_size(embed: discord.Embed) -> int:
    """Characters Discord counts toward the 6,000 per-message embed total."""
    size = len(embed.title or "") + len(embed.description or "")
    size += len(embed.footer.text or "") + len(embed.author.name or "")
    return size + sum(len(f.name or "") + len(f.value or "") for f in embed.fields)


def speaker_heading(speaker: SpeakerView) -> str:
    """The field name: the speaker's label as on every platform, "Name (role, organisation)"
    or "Unattributed"."""
    return shorten(escape_article(speaker.label), FIELD_NAME - len(" (cont.)"))


def quote_markdown(quote: QuoteView) -> str:
    """One quote line: its text as worded for every platform, escaped; the story in italics."""
    line = escape_article(quote.text)
    if quote.story:
        line += f" — *{escape_article(quote.story)}*"
    return line


def speaker_fields(speaker: SpeakerView) -> list[tuple[str, str]]:
    """(name, value) fields for one speaker's quotes, each value within 1,024 chars."""
    heading = speaker_heading(speaker)
    lines: list[str] = []
    for quote in speaker.quotes:
        lines.extend(split_text(quote_markdown(quote), FIELD_VALUE))
    if not lines:
        lines = ["(no quotes)"]
    values = _pack_lines(lines, FIELD_VALUE)
    return [(heading if i == 0 else f"{heading} (cont.)", value) for i, value in enumerate(values)]


def _pack_lines(lines: list[str], limit: int) -> list[str]:
    """Join lines with newlines into as few chunks of at most ``limit`` as possible."""
    packed: list[str] = []
    current = ""
    for line in lines:
        for piece in split_text(line, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) > limit:
                packed.append(current)
                candidate = piece
            current = candidate
    if current:
        packed.append(current)
    return packed


#: Longest standfirst shown (a sentence or two; the summary follows it).
DEK_CHARS = 400


def card_embeds(card: Card, *, colour: discord.Colour = COLOUR) -> list[discord.Embed]:
    """One or more embeds for one article; the first carries title/link/source."""
    title = shorten(escape_article(card.title) or "Untitled", EMBED_TITLE - len(" (cont.)"))
    url = safe_url(card.url)
    source = shorten(escape_article(card.source), AUTHOR_NAME) if card.source else None
    note = shorten(escape_article(card.note), FOOTER_TEXT) if card.note else None

    summary_lines = [BULLET + escape_article(s) for s in card.summary if s.strip()]
    if card.dek and card.dek.strip():  # the standfirst, in italics under the headline
        summary_lines.insert(0, "*" + shorten(escape_article(card.dek), DEK_CHARS) + "*")
    descriptions = _pack_lines(summary_lines, EMBED_DESCRIPTION) or [""]
    fields = [f for speaker in card.speakers for f in speaker_fields(speaker)]

    embeds: list[discord.Embed] = []

    def new_embed(description: str) -> discord.Embed:
        first = not embeds
        embed = discord.Embed(
            title=title if first else f"{title} (cont.)",
            url=url if first else None,
            description=description or None,
            colour=colour,
        )
        if first and source:
            embed.set_author(name=source)
        embeds.append(embed)
        return embed

    for description in descriptions:
        embed = new_embed(description)
    size, count = embed_size(embed), 0  # kept by hand: embed.fields rebuilds proxies per call
    for name, value in fields:
        if count >= EMBED_FIELDS or size + len(name) + len(value) > EMBED_TOTAL:
            embed = new_embed("")
            size, count = embed_size(embed), 0
        embed.add_field(name=name, value=value, inline=False)
        size, count = size + len(name) + len(value), count + 1
    if note:
        if size + len(note) > EMBED_TOTAL:
            embed = new_embed("")
        embed.set_footer(text=note)
    return embeds


# -- messages ----------------------------------------------------------------------------


def render_reply(reply: Reply) -> list[OutgoingMessage]:
    """Every message needed for ``reply``, in order, each within Discord's limits."""
    # Bot text keeps its markdown but may quote feed titles: no masked links ([label](url)).
    text = _MASKED_LINK.sub("]" + ZWSP + "(", neutralise_mentions(reply.text))
    messages = [OutgoingMessage(content=chunk) for chunk in split_text(text, CONTENT_LIMIT)]
    colour = ERROR_COLOUR if reply.error else COLOUR
    embeds = [e for card in reply.cards for e in card_embeds(card, colour=colour)]
    current = messages[-1] if messages else None
    used = 0
    for embed in embeds:
        size = embed_size(embed)
        fits = current is not None and len(current.embeds) < EMBEDS_PER_MESSAGE and used + size <= EMBED_TOTAL
        if not fits:
            current, used = OutgoingMessage(), 0
            messages.append(current)
        current.embeds.append(embed)  # type: ignore[union-attr]
        used += size
    if not messages:
        messages.append(OutgoingMessage(content="Nothing to show."))
    return messages
