"""Discord rendering: limits, splitting at word boundaries, escaping of article text."""

from __future__ import annotations

import random
import re

import pytest

from bot.core.interface import Card, QuoteView, Reply, SpeakerView
from bot.platforms import discord_render as r

WORDS = (
    "minister said talks would resume after the summit in Seoul and Washington "
    "officials confirmed a new envoy diplomatic nuclear arsenal freeze"
).split()


def prose(n_words: int, seed: int = 0) -> str:
    rnd = random.Random(seed)
    return " ".join(rnd.choice(WORDS) for _ in range(n_words))


def sentence(n_words: int, seed: int = 0) -> str:
    return prose(n_words, seed).capitalize() + "."


def assert_message_within_limits(msg: r.OutgoingMessage) -> None:
    assert len(msg.content) <= r.CONTENT_LIMIT
    assert len(msg.embeds) <= r.EMBEDS_PER_MESSAGE
    assert msg.content or msg.embeds
    assert msg.embed_chars() <= r.EMBED_TOTAL
    for embed in msg.embeds:
        assert len(embed.title or "") <= r.EMBED_TITLE
        assert len(embed.description or "") <= r.EMBED_DESCRIPTION
        assert len(embed.fields) <= r.EMBED_FIELDS
        assert len(embed.footer.text or "") <= r.FOOTER_TEXT
        assert len(embed.author.name or "") <= r.AUTHOR_NAME
        for fld in embed.fields:
            assert 0 < len(fld.name) <= r.FIELD_NAME
            assert 0 < len(fld.value) <= r.FIELD_VALUE


def words_of(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]+", text)


# -- split_text ------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [20, 100, 1024, 2000])
def test_split_text_keeps_every_word_whole(limit: int) -> None:
    text = prose(3000, seed=limit)
    chunks = r.split_text(text, limit)
    assert all(len(c) <= limit for c in chunks)
    assert " ".join(chunks).split() == text.split()  # nothing lost, nothing cut


def test_split_text_prefers_paragraph_and_sentence_boundaries() -> None:
    para1, para2 = sentence(40, 1), sentence(40, 2)
    chunks = r.split_text(f"{para1}\n\n{para2}", len(para1) + 10)
    assert chunks == [para1, para2]
    s1, s2 = sentence(10, 3), sentence(10, 4)
    chunks = r.split_text(f"{s1} {s2}", len(s1) + 5)
    assert chunks[0] == s1


def test_split_text_cuts_only_an_overlong_word_and_never_after_a_backslash() -> None:
    word = "a" * 30
    assert r.split_text(word, 10) == ["a" * 10] * 3
    escaped = "x" * 9 + "\\*" + "y" * 9  # cut at 10 would separate "\" from "*"
    chunks = r.split_text(escaped, 10)
    assert all(not c.endswith("\\") for c in chunks)
    assert "".join(chunks) == escaped


def test_shorten_ends_on_a_whole_word() -> None:
    title = prose(100, 5)
    short = r.shorten(title, r.EMBED_TITLE)
    assert len(short) <= r.EMBED_TITLE and short.endswith(r.ELLIPSIS)
    assert title.startswith(short[:-1])
    assert title[len(short) - 1] == " "  # the cut fell on a space
    assert r.shorten("short", 10) == "short"


# -- escaping --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "@everyone",
        "@here",
        "<@123>",
        "<@!123>",
        "<@&123>",
        "<#123>",
        "</brief:123>",
        "<@12345678901234567890>",
        "<@&12345678901234567890>",
    ],
)
def test_escape_article_neutralises_every_mention_form(raw: str) -> None:
    out = r.escape_article(f"Breaking {raw} now")
    assert raw not in out
    assert r.ZWSP in out
    assert out.replace(r.ZWSP, "") == f"Breaking {raw} now"


def test_escape_article_escapes_markdown_but_keeps_links() -> None:
    out = r.escape_article("**bold** _it_ `code` ||spoiler|| ~~gone~~ [x](http://evil) see https://example.com/a_b_c")
    for token in ("**bold**", "_it_", "`code`", "||spoiler||", "~~gone~~"):
        assert token not in out
    assert "\\*\\*bold\\*\\*" in out
    assert "\\[x]" in out  # masked link defused
    assert "https://example.com/a_b_c" in out  # bare URLs stay clickable


def test_escape_article_flattens_line_structure() -> None:
    # A newline followed by "# " or "> " would start a heading or quote block.
    out = r.escape_article("line one\n# Heading\n> quote")
    assert "\n" not in out


def test_bot_text_mentions_neutralised_but_markdown_kept() -> None:
    out = r.neutralise_mentions("Added **feed** <@&42> for @everyone")
    assert "**feed**" in out
    assert "<@&42>" not in out and "@everyone" not in out


def test_safe_url_only_accepts_http_links() -> None:
    assert r.safe_url("https://example.com/x") == "https://example.com/x"
    assert r.safe_url("javascript:alert(1)") is None
    assert r.safe_url("file:///etc/passwd") is None
    assert r.safe_url("http://exa mple.com") is None
    assert r.safe_url(None) is None


# -- cards and replies -----------------------------------------------------------------


def big_card(n_sentences: int, n_speakers: int, quotes_each: int, seed: int = 0) -> Card:
    speakers = tuple(
        SpeakerView(
            name=f"Speaker {i} " + prose(3, seed + i),
            role=prose(6, i),
            kind="person",
            quotes=tuple(QuoteView(sentence(60, seed + i * 100 + q)) for q in range(quotes_each)),
        )
        for i in range(n_speakers)
    )
    return Card(
        title=prose(80, seed),
        url="https://news.example/story",
        source="Example News",
        summary=tuple(sentence(45, seed + 1000 + k) for k in range(n_sentences)),
        speakers=speakers,
        note="Fetched from a feed",
    )


def test_small_reply_is_one_message_with_one_embed() -> None:
    card = Card(
        title="Talks resume",
        url="https://x.example/a",
        source="X",
        summary=("One.", "Two."),
        speakers=(SpeakerView("Biden", "president", "person", (QuoteView("“We are concerned.”"),)),),
    )
    messages = r.render_reply(Reply(text="Here you go", cards=(card,)))
    assert len(messages) == 1
    (msg,) = messages
    assert msg.content == "Here you go"
    (embed,) = msg.embeds
    assert embed.title == "Talks resume" and embed.url == "https://x.example/a"
    assert embed.description == "• One.\n• Two."
    assert embed.author.name == "X"
    assert embed.fields[0].name == "Biden (president)"
    assert embed.fields[0].value == "“We are concerned.”"


def test_huge_card_is_split_within_every_limit_without_losing_words() -> None:
    card = big_card(n_sentences=150, n_speakers=40, quotes_each=5)
    messages = r.render_reply(Reply(cards=(card,)))
    assert len(messages) > 1
    for msg in messages:
        assert_message_within_limits(msg)
    rendered = " ".join(
        " ".join([e.description or ""] + [f.value for f in e.fields]) for m in messages for e in m.embeds
    )
    expected = " ".join(list(card.summary) + [q.text for s in card.speakers for q in s.quotes])
    assert words_of(rendered) == words_of(expected)
    assert messages[0].embeds[0].url == card.url
    embeds = [e for m in messages for e in m.embeds]
    assert all(e.title.endswith("(cont.)") and e.url is None for e in embeds[1:])


def test_digest_of_fifty_cards_packs_ten_embeds_and_6000_chars_per_message() -> None:
    cards = tuple(big_card(4, 3, 2, seed=i) for i in range(50))
    messages = r.render_reply(Reply(text="Digest for today", cards=cards))
    for msg in messages:
        assert_message_within_limits(msg)
    titles = [e.title for m in messages for e in m.embeds if e.url]
    assert len(titles) == 50
    assert messages[0].content == "Digest for today"


def test_long_text_reply_splits_into_content_messages() -> None:
    text = "\n".join(f"{i}. https://feeds.example/{i}/rss — {prose(20, i)}" for i in range(200))
    messages = r.render_reply(Reply(text=text))
    assert len(messages) > 1
    for msg in messages:
        assert_message_within_limits(msg)
    assert "\n".join(m.content for m in messages).split() == text.split()


def test_single_huge_quote_is_split_across_fields() -> None:
    quote = sentence(900, 7)
    card = Card(
        title="t", url=None, source=None, summary=(), speakers=(SpeakerView("A", None, "person", (QuoteView(quote),)),)
    )
    (msg,) = r.render_reply(Reply(cards=(card,)))
    fields = msg.embeds[0].fields
    assert len(fields) > 1
    assert fields[1].name == "A (cont.)"
    assert words_of(" ".join(f.value for f in fields)) == words_of(quote)


def test_card_text_is_escaped_in_every_embed_part() -> None:
    evil = "@everyone <@&123> **x**"
    card = Card(
        title=evil,
        url="https://x.example",
        source=evil,
        summary=(evil,),
        speakers=(SpeakerView(evil, evil, "person", (QuoteView(evil, story=evil),)),),
        note=evil,
    )
    (msg,) = r.render_reply(Reply(cards=(card,)))
    embed = msg.embeds[0]
    parts = [
        embed.title,
        embed.description,
        embed.author.name,
        embed.footer.text,
        embed.fields[0].name,
        embed.fields[0].value,
    ]
    for part in parts:
        assert "@everyone" not in part and "<@&123>" not in part and "**x**" not in part


def test_empty_reply_still_says_something() -> None:
    (msg,) = r.render_reply(Reply())
    assert msg.content


def test_a_feed_title_in_bot_text_cannot_become_a_masked_link() -> None:
    """Bot text carries feed titles (/feeds add, /feeds list): a title written as
    [label](url) must not render as a link whose target the reader cannot see."""
    reply = Reply(text="Now following [Log in again](https://evil.example/login) (https://x/feed).")
    (message,) = r.render_reply(reply)
    assert "](" not in message.content
    assert "Log in again" in message.content and "https://x/feed" in message.content
