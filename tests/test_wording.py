"""The one place that words quotes and speakers (briefings.wording), and unattributed
quotes through the model, the JSON output, the digest merge and the cache codec."""

from __future__ import annotations

import json

import pytest

from bot.storage.codec import brief_from_json, brief_to_json
from briefings import render, render_digest
from briefings.digest import merge_speakers
from briefings.model import Article, Brief, Quote
from briefings.wording import UNATTRIBUTED, quote_text, reporting_verb, speaker_label


@pytest.mark.parametrize(
    "cue, verb",
    [
        ("said", "said"),
        ("says", "said"),
        ("saying", "said"),
        ("warns", "warned"),
        ("explaining", "explained"),
        ("stresses", "stressed"),
        ("denies", "denied"),
        ("noted", "noted"),
        ("writing", "wrote"),
        ("admitting", "admitted"),
        ("told", "said"),  # "told that ..." needs an object
        ("according to", "said"),
        (None, "said"),
        ("<@U1>", "said"),
        ("asked", "said"),
    ],
)
def test_reporting_verb_uses_the_cue_only_when_it_reads_well(cue, verb):
    assert reporting_verb(cue) == verb


def test_reported_speech_reads_as_what_it_is():
    assert (
        quote_text("indirect", "that he expected a positive response", "asserted")
        == "asserted that he expected a positive response"
    )
    assert quote_text("indirect", "The talks will resume.", "warned") == "warned that the talks will resume."
    assert quote_text("indirect", "US troops would stay", "said") == "said that US troops would stay"
    assert quote_text("indirect", "whether the deal would hold", "asked") == "asked whether the deal would hold"
    assert quote_text("indirect", "whether the deal would hold", "wondered") == "asked whether the deal would hold"


def test_direct_quotes_get_one_pair_of_marks_whatever_the_text_carries():
    assert quote_text("direct", "We are ready.") == "“We are ready.”"
    assert quote_text("direct", "“We are ready,”") == "“We are ready”"
    assert quote_text("direct", '"We are ready."') == "“We are ready.”"
    assert quote_text("direct", "It was over.\n\n“Then it started again.") == "“It was over. Then it started again.”"
    # a quotation inside the quotation keeps its own marks
    assert quote_text("direct", "He told me ‘never again’ and left.") == "“He told me ‘never again’ and left.”"
    # an apostrophe at the end is part of the words
    assert quote_text("direct", "It is the players’") == "“It is the players’”"


def test_partial_quotes_keep_only_their_own_marks():
    assert quote_text("partial", "the deal was “a good start”", "said") == "said that the deal was “a good start”"
    assert quote_text("partial", "under no illusions", "said") == "“under no illusions”"  # a bare fragment
    assert quote_text("partial", "Kim’s visit was ‘useful’", "said") == "said that Kim’s visit was ‘useful’"


def test_shortening_never_leaves_a_mark_open_or_a_word_cut():
    long = "the plan was “" + "a very long and winding road " * 20 + "” for everyone"
    text = quote_text("partial", long, "said", limit=60)
    assert text.count("“") == text.count("”") == 1 and "…" in text
    direct = quote_text("direct", "word " * 100, limit=50)
    assert direct.startswith("“") and direct.endswith("…”") and direct.count("“") == 1
    assert all(w == "word" for w in direct.strip("“”…").split())


def test_speaker_labels_come_from_one_table():
    assert speaker_label("Kim", "envoy", "person") == "Kim (envoy)"
    assert speaker_label("Health Canada", None, "organization") == "Health Canada (organisation)"
    assert speaker_label("officials", None, "source") == "officials (unnamed source)"
    assert speaker_label("Kim", None, "person") == "Kim"
    assert speaker_label(None, "envoy", "person") == UNATTRIBUTED


# --- unattributed quotes through the model and its outputs -----------------------------


def q(speaker, text, kind="person"):
    return Quote(
        speaker=speaker,
        text=text,
        start=0,
        end=len(text),
        kind="direct",
        speaker_kind=kind,
        rule="cue-subject" if speaker else None,
        confidence=0.9 if speaker else 0.2,
    )


def brief(title, *quotes):
    art = Article(text="body", original="body", title=title, url=f"https://example.org/{title}")
    return Brief(article=art, summary=(), quotes=tuple(quotes))


def test_brief_speakers_put_unattributed_quotes_in_their_own_group_last():
    b = brief(
        "a", q(None, "One."), q("Ann Lee", "Two."), q(None, "Three."), q("Bo Chan", "Four."), q("Bo Chan", "Five.")
    )
    assert [(name, [x.text for x in qs]) for name, qs in b.speakers] == [
        ("Bo Chan", ["Four.", "Five."]),
        ("Ann Lee", ["Two."]),
        (None, ["One.", "Three."]),
    ]


def test_jsonl_lists_no_none_speaker_and_counts_the_unattributed():
    record = json.loads(render.to_jsonl(brief("a", q(None, "One."), q("Ann Lee", "Two."))))
    assert [s["name"] for s in record["speakers"]] == ["Ann Lee"]
    assert record["unattributed"] == 1
    assert [x["speaker"] for x in record["quotes"]] == [None, "Ann Lee"]
    assert record["quotes"][0]["rule"] is None and record["quotes"][1]["rule"] == "cue-subject"


def test_digest_merge_keeps_unattributed_apart_and_last():
    merged = merge_speakers(
        [
            brief("a", q(None, "One."), q("Ann Lee", "Two.")),
            brief("b", q(None, "Three."), q("Lee", "Four.")),
        ]
    )
    assert [s.name for s in merged] == ["Ann Lee", None]
    assert [a.title for a in merged[-1].appearances] == ["a", "b"]
    assert merged[0].quote_count == 2  # "Lee" joined Ann Lee; no unattributed quote did


def test_digest_formats_show_unattributed_under_their_own_heading():
    briefs = [brief("a", q(None, "One."), q("Ann Lee", "Two.")), brief("b", q(None, "Three."))]
    text = render_digest.render(briefs, "text")
    assert text.index("Ann Lee") < text.index(UNATTRIBUTED) < text.index("“One.”")
    data = json.loads(render_digest.render(briefs, "json"))
    assert [s["name"] for s in data["speakers"]] == ["Ann Lee"]
    assert [a["title"] for a in data["unattributed"]] == ["a", "b"]
    lines = [json.loads(line) for line in render_digest.render(briefs, "jsonl").splitlines()]
    assert [line["name"] for line in lines] == ["Ann Lee"]


def test_cache_codec_round_trips_unattributed_quotes_with_rule_and_confidence():
    b = brief("a", q(None, "One."), q("Ann Lee", "Two."))
    back = brief_from_json(brief_to_json(b))
    assert back == b
    assert back.quotes[0].speaker is None and back.quotes[1].rule == "cue-subject"
    assert back.quotes[1].confidence == 0.9


def test_cache_codec_reads_briefs_cached_before_rule_and_confidence():
    b = brief("a", q("Ann Lee", "Two."))
    data = json.loads(brief_to_json(b))
    for quote in data["quotes"]:
        del quote["rule"], quote["confidence"]
    back = brief_from_json(json.dumps(data))
    assert back.quotes[0].rule is None and back.quotes[0].confidence == 0.0


def test_a_speech_act_reads_with_its_own_verb_never_in_marks():
    assert quote_text("reported", "urging voters to stay home") == "urged voters to stay home"
    assert quote_text("reported", "called the plan “reckless”") == "called the plan “reckless”"
    assert quote_text("reported", "describes the budget as a gift") == "described the budget as a gift"


def test_an_aside_attribution_is_dropped_from_reported_speech():
    assert (
        quote_text("indirect", "The plan, Lopez said, would cost nothing", "said")
        == "said that the plan would cost nothing"
    )
    kept = quote_text("indirect", "the bridge, which opened in 1990, will close", "said")
    assert kept == "said that the bridge, which opened in 1990, will close"
