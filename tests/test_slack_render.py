"""Block Kit rendering: escaping of article text, Slack's limits, splitting never mid-word."""

from __future__ import annotations

import re

import pytest

from bot.core.interface import Card, QuoteView, Reply, SpeakerView
from bot.platforms.slack_render import (
    HEADER_LIMIT,
    MAX_BLOCKS,
    SECTION_LIMIT,
    escape_bot_text,
    escape_mrkdwn,
    render_reply,
    split_text,
)
from fakes.slack_api import block_problems

NASTY = (
    "Alert <!channel> <!here> <!everyone> <@U123ABC> <#C999|general> @here @channel @everyone "
    "*bold* _it_ ~strike~ `code` ```block``` <https://evil.example|click> & :joy:"
)


def all_texts(messages) -> list[str]:
    texts = []
    for message in messages:
        texts.append(message.text)
        for block in message.blocks:
            if isinstance(block.get("text"), dict):
                texts.append(block["text"]["text"])
            texts.extend(e.get("text", "") for e in block.get("elements", ()))
    return texts


def words_of(text: str) -> list[str]:
    return text.split()


def card(**overrides) -> Card:
    fields = dict(title="Title", url="https://news.example/story", source="News", summary=("One.",), speakers=())
    fields.update(overrides)
    return Card(**fields)


def test_escaping_leaves_no_mention_link_or_formatting():
    out = escape_mrkdwn(NASTY)
    assert "<" not in out and ">" not in out  # no <!channel>, <@U..>, <#C..>, <url|..> can form
    assert "&lt;!channel&gt;" in out and "&lt;@\u200bU123ABC&gt;" in out and "&amp;" in out
    for char in "*_~`":
        assert char not in out
    assert "@here" not in out and "@channel" not in out and "@everyone" not in out
    assert ":joy:" not in out
    # the reader still sees the same words
    visible = out.replace("\u200b", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert "Alert <!channel>" in visible and "@here" in visible


def test_leading_quote_is_not_a_block_quote():
    out = escape_mrkdwn("> quoted\nline\n  > again")
    assert not re.search(r"(^|\n)\s*&gt;", out)


def test_bot_text_keeps_formatting_but_not_mentions():
    out = escape_bot_text("Now following **Example feed** <!channel> @here https://a.example/x_y")
    assert out.startswith("Now following *Example feed*")
    assert "<!channel>" not in out and "@here" not in out
    assert "https://a.example/x_y" in out  # URLs stay copyable


def test_card_with_nasty_article_text_is_inert_everywhere():
    nasty_card = card(
        title=NASTY,
        summary=(NASTY,),
        speakers=(SpeakerView(NASTY[:60], NASTY[:40], "person", (QuoteView(NASTY, story=NASTY),)),),
        note=NASTY,
    )
    messages = render_reply(Reply(cards=(nasty_card,)))
    for text in all_texts(messages):
        stripped = re.sub(r"<https://news\.example/story\|[^>]*>", "", text)  # the card's own link
        assert "<" not in stripped, text
        assert not re.search(r"@(here|channel|everyone)", text), text
    for message in messages:
        assert block_problems(message.blocks) == []


def test_header_is_cut_to_150_at_a_word_boundary():
    title = " ".join(["word"] * 60) + " <tail>"
    header = render_reply(Reply(cards=(card(title=title),)))[0].blocks[0]
    text = header["text"]["text"]
    assert header["type"] == "header" and len(text) <= HEADER_LIMIT
    assert text.endswith("\u2026") and text[:-1].split()[-1] == "word"


def test_long_summary_splits_into_sections_without_cutting_words():
    sentence = "Officials in Seoul & Washington said the <alliance> remains strong, " * 5
    summary = tuple(f"{i}: {sentence.strip()}" for i in range(60))  # ~25,000 characters
    messages = render_reply(Reply(cards=(card(summary=summary),)))
    sections = [b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section"]
    assert len(sections) > 5
    assert all(len(s) <= SECTION_LIMIT for s in sections)
    rejoined = " ".join(sections)
    expected = escape_mrkdwn(" ".join(summary))
    assert words_of(rejoined) == words_of(expected)  # nothing lost, no word cut in two
    for message in messages:
        assert block_problems(message.blocks) == []


def test_many_speakers_split_over_messages_of_at_most_50_blocks():
    speakers = tuple(
        SpeakerView(f"Speaker {i}", "official", "person", (QuoteView(f"“Quote number {i}.”"),)) for i in range(130)
    )
    messages = render_reply(Reply(cards=(card(speakers=speakers),)))
    assert len(messages) >= 3
    assert all(0 < len(m.blocks) <= MAX_BLOCKS for m in messages)
    names = [
        b["text"]["text"].split("\n")[0]
        for m in messages
        for b in m.blocks
        if b["type"] == "section" and b["text"]["text"].startswith("*Speaker")
    ]
    assert names == [f"*Speaker {i}* (official)" for i in range(130)]  # every speaker, in order


def test_cards_start_a_new_message_rather_than_straddle_when_they_fit_whole():
    speakers = tuple(SpeakerView(f"S{i}", None, "person", (QuoteView("“q”"),)) for i in range(30))
    cards = (card(title="First", speakers=speakers), card(title="Second", speakers=speakers))
    messages = render_reply(Reply(cards=cards))
    assert len(messages) == 2
    assert messages[0].blocks[0]["text"]["text"] == "First"
    assert messages[1].blocks[0]["text"]["text"] == "Second"
    assert messages[1].text == "Second"


def test_small_cards_share_a_message_with_dividers():
    messages = render_reply(Reply(text="Today's digest", cards=(card(title="A"), card(title="B"))))
    assert len(messages) == 1
    kinds = [b["type"] for b in messages[0].blocks]
    assert kinds.count("divider") == 2 and kinds[-1] != "divider"


def test_split_text_breaks_only_at_whitespace_and_keeps_every_word():
    text = " ".join(f"w{i}" * (i % 7 + 1) for i in range(2000))
    pieces = split_text(text, 500)
    assert all(len(p) <= 500 for p in pieces)
    assert words_of(" ".join(pieces)) == words_of(text)


def test_split_text_hard_cuts_only_a_giant_word_and_never_inside_an_entity():
    giant = "x" * 2998 + "&amp;" + "y" * 100
    pieces = split_text(giant, 3000)
    assert pieces[0] == "x" * 2998 and pieces[1].startswith("&amp;")


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_reply_still_renders_something_valid(text):
    messages = render_reply(Reply(text=text))
    assert len(messages) == 1 and block_problems(messages[0].blocks) == []


def test_error_reply_is_marked():
    message = render_reply(Reply(text="That URL could not be fetched.", error=True, ephemeral=True))[0]
    assert message.blocks[0]["text"]["text"].startswith(":warning:")


def test_a_long_speaker_section_breaks_between_quotes():
    quotes = tuple(QuoteView("“" + f"Quote {i} " + "word " * 79 + "word”") for i in range(20))  # ~8,500 characters
    messages = render_reply(Reply(cards=(card(speakers=(SpeakerView("Kim", None, "person", quotes),)),)))
    sections = [
        b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section" and "Quote" in b["text"]["text"]
    ]
    assert len(sections) >= 3 and all(len(s) <= SECTION_LIMIT for s in sections)
    for section in sections:  # every piece holds whole quotes
        for line in section.split("\n")[1 if section.startswith("*Kim*") else 0 :]:
            assert line.startswith("\u2022 \u201cQuote") and line.endswith("\u201d"), line[:40]


def test_a_very_long_or_non_ascii_url_does_not_overflow_the_source_line():
    """Percent-encoding multiplies a non-Latin slug by six; Slack refuses a context
    element over 3,000 characters, and with it the whole digest."""
    url = "https://news.example/" + "новости-" * 400
    (message,) = render_reply(Reply(text="", cards=(card(url=url),)))
    assert block_problems(message.blocks) == []
    context = next(b for b in message.blocks if b["type"] == "context")
    assert "News" in context["elements"][0]["text"]
