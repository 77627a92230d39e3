"""Honest quotes on every platform: the same brief rendered as terminal text, Markdown,
digest text, the console, a Discord embed and Slack blocks.

On each: reported speech is never inside quotation marks (it reads "warned that …"), a
direct quote has exactly one pair of marks, a partial quote keeps only its own marks, a
quote with a URL, mentions and markup is kept and made inert, and quotes no speaker was
named for are grouped last under "Unattributed", never under anybody's name. Quotes are
built directly, so no spaCy model is needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from bot.core.interface import Reply
from bot.core.views import brief_card, quotes_card, render_text, speaker_views
from bot.platforms import discord_render, slack_render
from briefings import render, render_digest
from briefings.digest import merge_speakers
from briefings.model import Article, Brief, Quote
from briefings.wording import UNATTRIBUTED

DIRECT = "We will open the park in May, whatever it costs."
INDIRECT = "the park would open late because of the weather"
PARTIAL = "the plan was “a gift to developers” and should be withdrawn"
REPORTED = "urging residents to keep off the new lawns until June"
NASTY = (
    "Read it at https://city.example/parks/plan_2026?x=1&y=2 and tell @everyone, <!channel>, "
    "<@&1234567890> and <@U0123ABCD> it is **final** _now_ `rm -rf` [here](https://evil.example) "
    "\x1b[31m# done"
)
ORPHAN = "Nobody could say who wrote the letter."
ORPHAN_REPORTED = "the letter was sent by mistake"

MARKS = '"“”«»„'


def quote(
    speaker: str | None,
    text: str,
    kind: str = "direct",
    cue: str | None = "said",
    speaker_kind: str = "person",
    role: str | None = None,
) -> Quote:
    return Quote(
        speaker=speaker, text=text, start=0, end=len(text), kind=kind, cue=cue, speaker_kind=speaker_kind, role=role
    )


def story(
    title: str = "Council approves the park plan",
    url: str | None = "https://news.example/park",
    extra: tuple[Quote, ...] = (),
) -> Brief:
    article = Article(text="body", original="body", title=title, url=url, path=None)
    quotes = (
        quote(None, ORPHAN),  # unattributed first in the text: must still come last
        quote("Jane Doe", DIRECT, role="mayor"),
        quote("Jane Doe", INDIRECT, kind="indirect", cue="warned"),
        quote("Tom Reyes", PARTIAL, kind="partial", cue="argued"),
        quote("Jane Doe", REPORTED, kind="reported", cue="urging"),
        quote("Tom Reyes", NASTY),
        quote("Parks Department", "The budget is fixed.", speaker_kind="organization"),
        quote(None, ORPHAN_REPORTED, kind="indirect", cue="told"),
    ) + extra
    return Brief(article=article, summary=("The council approved the plan.",), quotes=quotes)


# --- one renderer per platform, each giving the lines a reader sees ---------------------


def text_lines() -> list[str]:
    return _unwrap(render.to_text(story()))


def markdown_lines() -> list[str]:
    return render.to_markdown(story()).splitlines()


def digest_lines() -> list[str]:
    briefs = [story(), story("Second story", "https://news.example/two")]
    return _unwrap(render_digest.to_text(briefs, merge_speakers(briefs)))


def digest_markdown_lines() -> list[str]:
    briefs = [story(), story("Second story", "https://news.example/two")]
    return render_digest.to_text(briefs, merge_speakers(briefs), markdown=True).splitlines()


def console_lines() -> list[str]:
    return _unwrap(render_text(Reply(cards=(brief_card(story()),)), width=100))


def discord_lines() -> list[str]:
    messages = discord_render.render_reply(Reply(cards=(brief_card(story()),)))
    lines = []
    for m in messages:
        for e in m.embeds:
            for f in e.fields:
                lines.append(f.name)
                lines.extend(f.value.split("\n"))
    return lines


def slack_lines() -> list[str]:
    messages = slack_render.render_reply(Reply(cards=(brief_card(story()),)))
    return [
        line for m in messages for b in m.blocks if b["type"] == "section" for line in b["text"]["text"].split("\n")
    ]


def _unwrap(text: str) -> list[str]:
    """Join wrapped continuation lines back onto their bullet line."""
    out: list[str] = []
    in_item = False
    for line in text.splitlines():
        stripped = line.strip()
        bullet = stripped.startswith(("–", "•", "-"))
        if out and in_item and not bullet and line.startswith(" " * 6):
            out[-1] += " " + stripped
        else:
            out.append(stripped)
            in_item = bullet
    return out


PLATFORMS: dict[str, Callable[[], list[str]]] = {
    "text": text_lines,
    "markdown": markdown_lines,
    "digest": digest_lines,
    "digest-markdown": digest_markdown_lines,
    "console": console_lines,
    "discord": discord_lines,
    "slack": slack_lines,
}


def line_with(lines: list[str], needle: str) -> str:
    found = [line for line in lines if needle in line]
    assert found, f"{needle!r} not shown in:\n" + "\n".join(lines)
    return found[0]


@pytest.fixture(params=sorted(PLATFORMS))
def lines(request) -> list[str]:
    return PLATFORMS[request.param]()


def test_reported_speech_is_never_in_quotation_marks(lines):
    line = line_with(lines, "the park would open late")
    assert "warned that the park would open late because of the weather" in line
    assert not any(m in line for m in MARKS), line
    orphan = line_with(lines, "sent by mistake")
    assert "said that the letter was sent by mistake" in orphan  # "told" needs an object
    assert not any(m in orphan for m in MARKS), orphan


def test_a_speech_act_reads_with_its_own_verb_and_no_marks(lines):
    line = line_with(lines, "keep off the new lawns")
    assert "urged residents to keep off the new lawns until June" in line
    assert "said that" not in line and not any(m in line for m in MARKS), line


def test_a_direct_quote_has_exactly_one_pair_of_marks(lines):
    line = line_with(lines, "open the park in May")
    assert "“We will open the park in May, whatever it costs.”" in line
    assert line.count("“") == 1 and line.count("”") == 1 and '"' not in line, line


def test_a_partial_quote_keeps_only_its_own_marks(lines):
    line = line_with(lines, "gift to developers")
    assert "argued that the plan was “a gift to developers” and should be withdrawn" in line
    assert line.count("“") == 1 and line.count("”") == 1, line


def test_unattributed_quotes_are_grouped_last_under_their_own_heading(lines):
    heading = next(i for i, line in enumerate(lines) if UNATTRIBUTED in line)
    for name in ("Jane Doe", "Tom Reyes", "Parks Department"):
        assert max(i for i, line in enumerate(lines) if name in line) < heading
    after = "\n".join(lines[heading:])
    assert "Nobody could say who wrote the letter." in after and "sent by mistake" in after
    before = "\n".join(lines[:heading])
    assert "Nobody could say" not in before and "sent by mistake" not in before


def test_speaker_kinds_are_labelled_the_same_everywhere(lines):
    assert "organisation" in line_with(lines, "Parks Department")
    assert "mayor" in line_with(lines, "Jane Doe")


# --- a quote with a URL, mentions and markup: kept, and inert -------------------------


def test_plain_text_keeps_the_url_and_drops_control_characters():
    for lines in (text_lines(), digest_lines(), console_lines()):
        line = line_with(lines, "Read it at")
        assert "https://city.example/parks/plan_2026?x=1&y=2" in line
        assert "\x1b" not in "\n".join(lines)
        assert line.count("“") == 1 and line.count("”") == 1


@pytest.mark.parametrize("render_lines", [markdown_lines, digest_markdown_lines])
def test_markdown_keeps_the_quote_but_no_markup_or_mention_survives(render_lines):
    line = line_with(render_lines(), "Read it at")
    assert "city.example/parks/plan" in line
    assert r"\*\*final\*\*" in line and r"\_now\_" in line and r"\`rm -rf\`" in line
    assert r"\[here\]" in line and r"\@everyone" in line and r"\<!channel\>" in line
    assert "**final**" not in line and "[here](" not in line


def test_discord_keeps_the_quote_but_nothing_mentions_or_formats():
    line = line_with(discord_lines(), "Read it at")
    assert "https://city.example/parks/plan_2026?x=1&y=2" in line  # links stay copyable
    assert "@everyone" not in line and "<@&1234567890>" not in line and "<@U0123ABCD>" not in line
    assert "**final**" not in line and r"\*\*final\*\*" in line
    assert not re.search(r"(?<!\\)\[here\]\(", line) and r"\[here]" in line  # no masked link
    assert line.startswith("“") and line.count("“") == 1


def test_slack_keeps_the_quote_but_nothing_mentions_links_or_formats():
    line = line_with(slack_lines(), "Read it at")
    assert slack_render.escape_mrkdwn("https://city.example/parks/plan_2026?x=1&y=2") in line
    assert "<" not in line and ">" not in line  # no <!channel>, <@U…>, <url|label>
    assert not re.search(r"@(everyone|here|channel)\b", line)
    assert "*final*" not in line and "`rm" not in line
    assert line.startswith("\u2022 \u201c") and line.count("\u201c") == 1


# --- the card model itself --------------------------------------------------------------


def test_cards_carry_structured_quotes_and_the_unattributed_group_last():
    card = brief_card(story())
    assert [sp.name for sp in card.speakers] == ["Jane Doe", "Tom Reyes", "Parks Department", None]
    jane = card.speakers[0]
    assert [(q.kind, q.cue) for q in jane.quotes] == [
        ("direct", "said"),
        ("indirect", "warned"),
        ("reported", "urging"),
    ]
    assert jane.quotes[1].text == "warned that the park would open late because of the weather"
    orphans = card.speakers[-1]
    assert orphans.heading == UNATTRIBUTED and orphans.detail is None and orphans.kind == "unknown"


def test_the_unattributed_group_is_shown_even_past_the_speaker_limit():
    views = speaker_views(story().speakers, max_speakers=1)
    assert [v.name for v in views] == ["Jane Doe", None]


def test_quotes_card_for_one_speaker_never_includes_unattributed_quotes():
    card = quotes_card(story(), "Jane Doe")
    assert [sp.name for sp in card.speakers] == ["Jane Doe"]
    assert all("letter" not in q.text for q in card.speakers[0].quotes)


def test_discord_and_slack_label_organisations_and_unnamed_sources():
    extra = (quote("officials", "The road stays shut.", speaker_kind="source"),)
    reply = Reply(cards=(brief_card(story(extra=extra)),))
    names = [f.name for m in discord_render.render_reply(reply) for e in m.embeds for f in e.fields]
    assert "Parks Department (organisation)" in names and "officials (unnamed source)" in names
    assert names[-1] == UNATTRIBUTED
    slack = "\n".join(
        b["text"]["text"] for m in slack_render.render_reply(reply) for b in m.blocks if b["type"] == "section"
    )
    assert "*Parks Department* (organisation)" in slack and "*officials* (unnamed source)" in slack
    assert f"*{UNATTRIBUTED}*" in slack


# --- through the engine: the seed article, and a quote with a URL -----------------------


@pytest.fixture(scope="module")
def engine_brief(nlp):
    from briefings.engine import brief_articles
    from briefings.loading import load_file

    def brief_of(path) -> Brief:
        return brief_articles([load_file(path)])[0]

    return brief_of


def test_seed_article_text_output_shows_no_indirect_quote_in_marks(engine_brief, seed_path):
    brief = engine_brief(seed_path)
    lines = _unwrap(render.to_text(brief, speakers=50, quotes_each=50))
    lines = lines[lines.index("Who said what") :]
    indirect = [q for q in brief.quotes if q.kind == "indirect"]
    assert len(indirect) >= 4
    for q in indirect:
        words = q.text.split()
        needle = " ".join(words[1:7] if len(words) > 2 else words)  # past a leading "that"
        line = line_with(lines, needle)
        assert not any(m in line for m in MARKS), line
        assert " that " in f" {line} " or line.split()[1] in {"asked"}, line


URL_ARTICLE = """Council approves new park plan

The city council approved the park plan on Tuesday after a long debate.

"Anyone can read the full plan at https://city.example/parks and send us comments," Mayor Jane Doe said.

"We listened to every resident who wrote to us," Doe said.
"""


def test_a_quote_with_a_url_stays_in_who_said_what(engine_brief, tmp_path):
    path = tmp_path / "url.txt"
    path.write_text(URL_ARTICLE, encoding="utf-8")
    brief = engine_brief(path)
    with_url = [q for q in brief.quotes if "https://city.example/parks" in q.text]
    assert with_url and with_url[0].speaker == "Jane Doe"


async def test_quotes_autocomplete_offers_named_speakers_only():
    from types import SimpleNamespace

    from bot.core.service import BriefbotService

    class Cache:
        async def cached_for_url(self, url: str) -> Brief:
            return story()

    service = SimpleNamespace(cache=Cache())
    assert await BriefbotService.speaker_choices(service, "https://news.example/park", "") == [
        "Jane Doe",
        "Tom Reyes",
        "Parks Department",
    ]
    assert await BriefbotService.speaker_choices(service, "https://news.example/park", "un") == []  # not "Unattributed"
    assert await BriefbotService.speaker_choices(service, "https://news.example/park", "do") == ["Jane Doe"]


def test_the_digest_card_names_each_quote_s_story_apart_from_its_words():
    from bot.core.digests import _who_said_what

    card = _who_said_what([story(), story("Second <@&99> *story*", "https://news.example/two")])
    assert card is not None and card.speakers[-1].name is None
    jane = card.speakers[0]
    assert [q.story for q in jane.quotes] == ["Council approves the park plan", "Second <@&99> *story*"]
    assert all(q.text == "“We will open the park in May, whatever it costs.”" for q in jane.quotes)
    discord = [f.value for m in discord_render.render_reply(Reply(cards=(card,))) for e in m.embeds for f in e.fields]
    assert "“We will open the park in May, whatever it costs.” — *Second <\u200b@&99> \\*story\\**" in discord[0]
    slack = [
        b["text"]["text"]
        for m in slack_render.render_reply(Reply(cards=(card,)))
        for b in m.blocks
        if b["type"] == "section"
    ]
    assert any("\u2014 _Second &lt;@&amp;99&gt; \u2217story\u2217_" in s for s in slack)
