"""Turn a command-layer ``Reply`` into Slack Block Kit messages.

Two jobs, both about Slack's rules rather than about Briefbot:

* Escaping. Article text comes from the outside world. Slack reads ``&``, ``<`` and ``>``
  as control characters (``<!channel>``, ``<@U123>``, ``<#C123>``, ``<url|label>``), so
  they are entity-encoded. mrkdwn has no escape character at all, and a zero-width space
  next to ``*``/``_``/``~`` *forces* formatting rather than preventing it, so the
  formatting characters are swapped for look-alike code points (the approach jsx-slack
  documents), a leading ``>`` gets a soft hyphen in front so it is not a block quote, and
  bare ``@here``/``@channel`` get a zero-width space after the ``@`` (they do not notify
  without brackets, but Discord's adapter neutralises them too and consistency is cheap).

* Limits. At most 50 blocks per message, 3,000 characters per section text, 150 per
  header. Long text is split at whitespace (never mid-word) *after* escaping, so the
  measured length is the length Slack sees; blocks are packed into as many messages as
  needed, starting a new message at a card boundary when a card fits whole in the next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import quote

from bot.core.interface import Card, QuoteView, Reply, SpeakerView

MAX_BLOCKS = 50
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
CONTEXT_LIMIT = 2000  # context element text; Slack allows 3,000, we keep footers short
FALLBACK_LIMIT = 300  # the notification text: a headline, not the article
MESSAGE_CHAR_BUDGET = 12000  # precaution: Slack rejects very large block payloads (msg_blocks_too_long)

ZWSP = "\u200b"
SOFT_HYPHEN = "\u00ad"
ELLIPSIS = "\u2026"

# mrkdwn formatting characters -> look-alikes that Slack does not parse.
_LOOKALIKES = str.maketrans(
    {
        "*": "\u2217",  # asterisk operator
        "\uff0a": "\ufe61",  # fullwidth asterisk -> small asterisk
        "_": "\u02cd",  # modifier letter low macron
        "\uff3f": "\u2e0f",  # fullwidth low line -> paragraphos
        "~": "\u223c",  # tilde operator
        "\uff5e": "\u223c",
        "`": "\u02cb",  # modifier letter grave accent
        "\uff40": "\u02cb",
    }
)
_LEADING_QUOTE = re.compile(r"(^|\n)([ \t]*)(&gt;|\uff1e)")
_BARE_MENTION = re.compile(r"@(?=\w)")
_EMOJI_CODE = re.compile(r":(?=[\w+\-']+:)")
_WHITESPACE = re.compile(r"\s+")


def escape_entities(text: str) -> str:
    """Slack's three control characters, as its formatting guide asks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_mrkdwn(text: str) -> str:
    """Outside text made inert for a mrkdwn field: no mention, link, emoji or formatting."""
    text = escape_entities(text).translate(_LOOKALIKES)
    text = _LEADING_QUOTE.sub(lambda m: f"{m.group(1)}{m.group(2)}{SOFT_HYPHEN}{m.group(3)}", text)
    text = _BARE_MENTION.sub("@" + ZWSP, text)
    return _EMOJI_CODE.sub(":" + ZWSP, text)


def escape_plain(text: str) -> str:
    """Outside text for a ``plain_text`` field: entities and bare mentions only."""
    return _BARE_MENTION.sub("@" + ZWSP, escape_entities(text))


def escape_bot_text(text: str) -> str:
    """The command layer's own words: keep its formatting, but nothing may notify anyone.

    ``Reply.text`` may carry URLs and feed titles users supplied, so entities and bare
    mentions are neutralised; Discord-style ``**bold**`` becomes Slack's ``*bold*``.
    """
    text = escape_entities(text)
    text = re.sub(r"\*\*(\S(?:.*?\S)?)\*\*", r"*\1*", text)
    return _BARE_MENTION.sub("@" + ZWSP, text)


def link_target(url: str) -> str | None:
    """A URL usable inside ``<url|label>``, or None if it is not http(s)."""
    if not re.match(r"https?://", url, re.IGNORECASE):
        return None
    safe = quote(url, safe="/:?=&%#+,;@!$'()*~-._[]")
    return safe.replace("&", "&amp;")


# --- splitting -------------------------------------------------------------------------


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, broken at whitespace, never inside a word.

    Newlines are kept where they fall inside a piece. A single word longer than the limit
    (a pathological URL) is the only thing cut, and never inside an ``&amp;``-style entity.
    """
    text = text.strip()
    if not text:
        return []
    pieces: list[str] = []
    while len(text) > limit:
        cut = _last_break(text, limit)
        if cut <= 0:
            cut = _safe_hard_cut(text, limit)
        head, text = text[:cut], text[cut:]
        pieces.append(head.rstrip())
        text = text.lstrip()
    if text:
        pieces.append(text)
    return pieces


def _last_break(text: str, limit: int) -> int:
    """Where to break: the last line break in the second half of the window, else the last space."""
    newline = text.rfind("\n", limit // 2, limit + 1)
    if newline > 0:
        return newline
    for i in range(limit, 0, -1):
        if text[i].isspace():
            return i
    return 0


def _safe_hard_cut(text: str, limit: int) -> int:
    """``limit``, moved back to before an ``&...;`` entity that would straddle it."""
    amp = text.rfind("&", max(0, limit - 5), limit)
    if amp > 0 and ";" not in text[amp:limit]:
        return amp
    return limit


def shorten(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters, ended at a word boundary with an ellipsis."""
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    head = split_text(text, limit - 1)[0]
    return head.rstrip(" ,;:") + ELLIPSIS


# --- blocks ----------------------------------------------------------------------------


def mrkdwn(text: str, verbatim: bool = True) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": verbatim}


def section_blocks(text: str, verbatim: bool = True) -> list[dict[str, Any]]:
    """As many section blocks as the (already escaped) text needs."""
    return [{"type": "section", "text": mrkdwn(piece, verbatim)} for piece in split_text(text, SECTION_LIMIT)]


def header_block(title: str) -> dict[str, Any]:
    """A header never longer than Slack's 150 characters, escaping included."""
    text = escape_plain(_WHITESPACE.sub(" ", title).strip()) or "Untitled"
    if len(text) > HEADER_LIMIT:
        text = shorten(text, HEADER_LIMIT)
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": False}}


def card_blocks(card: Card) -> list[dict[str, Any]]:
    """One article: title, where it came from, the summary, then who said what."""
    blocks: list[dict[str, Any]] = [header_block(card.title)]
    if card.dek and card.dek.strip():  # the standfirst, in italics under the headline
        blocks.extend(section_blocks("_" + escape_mrkdwn(" ".join(card.dek.split())) + "_"))
    footer = _source_line(card)
    if footer:
        blocks.append({"type": "context", "elements": [mrkdwn(footer)]})
    if card.note:
        blocks.extend(section_blocks("_" + escape_mrkdwn(card.note) + "_"))
    if card.summary:
        summary = escape_mrkdwn(" ".join(s.strip() for s in card.summary if s.strip()))
        blocks.extend(section_blocks(summary))
    if card.speakers:
        blocks.extend(section_blocks("*Who said what*"))
        for speaker in card.speakers:
            blocks.extend(section_blocks(_speaker_text(speaker)))
    return blocks


def _source_line(card: Card) -> str:
    label = escape_mrkdwn(shorten(card.source or card.url or "", 200)) if (card.source or card.url) else ""
    target = link_target(card.url) if card.url else None
    if target:
        linked = f"<{target}|{label or 'link'}>"
        if len(linked) <= CONTEXT_LIMIT:  # percent-encoding can make a URL several times longer
            return linked
    return label


def _speaker_text(speaker: SpeakerView) -> str:
    """The speaker's heading in bold ("Unattributed" for nobody), its detail, one quote a line."""
    name = "*" + escape_mrkdwn(speaker.heading) + "*"
    if speaker.detail:
        name += " (" + escape_mrkdwn(speaker.detail) + ")"
    lines = [name] + [_quote_line(q) for q in speaker.quotes if q.text.strip()]
    return "\n".join(lines)


def _quote_line(quote: QuoteView) -> str:
    """One quote as worded for every platform, escaped; the story it comes from in italics."""
    line = "\u2022 " + escape_mrkdwn(_WHITESPACE.sub(" ", quote.text).strip())
    if quote.story:
        line += " \u2014 _" + escape_mrkdwn(quote.story) + "_"
    return line


# --- messages --------------------------------------------------------------------------


@dataclass
class SlackMessage:
    """One chat.postMessage / response_url payload: notification text plus blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def render_reply(reply: Reply) -> list[SlackMessage]:
    """Every message needed to show ``reply``, each within Slack's limits."""
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    if reply.text.strip():
        text = escape_bot_text(reply.text.strip())
        if reply.error:
            text = ":warning: " + text
        groups.append((_fallback(text), section_blocks(text, verbatim=False)))
    for card in reply.cards:
        groups.append((escape_mrkdwn(shorten(card.title, FALLBACK_LIMIT)) or "Article", card_blocks(card)))
    if not groups:
        return [SlackMessage(text="Nothing to show.", blocks=section_blocks("Nothing to show.", False))]
    return _pack(groups)


def _fallback(text: str) -> str:
    return shorten(text, FALLBACK_LIMIT)


def _size(block: dict[str, Any]) -> int:
    text = block.get("text")
    if isinstance(text, dict):
        return len(text.get("text", ""))
    return sum(len(e.get("text", "")) for e in block.get("elements", ()))


def _pack(groups: Iterable[tuple[str, list[dict[str, Any]]]]) -> list[SlackMessage]:
    """Fill messages with groups of blocks; a group that does not fit starts a fresh message."""
    messages: list[SlackMessage] = []
    current: SlackMessage | None = None
    chars = 0
    for fallback, blocks in groups:
        group_chars = sum(_size(b) for b in blocks)
        if current is not None:
            if len(current.blocks) + 1 + len(blocks) <= MAX_BLOCKS and chars + group_chars <= MESSAGE_CHAR_BUDGET:
                current.blocks.append({"type": "divider"})
            else:
                current = None
        for block in blocks:
            size = _size(block)
            if current is None or len(current.blocks) >= MAX_BLOCKS or chars + size > MESSAGE_CHAR_BUDGET:
                current = SlackMessage(text=fallback)
                messages.append(current)
                chars = 0
            current.blocks.append(block)
            chars += size
    return messages
