"""`briefbot brief --digest`: one speaker across outlets, with what they said in each."""

from __future__ import annotations

import json

from bot.cli import main

OUTLET_A = """Council approves new tram line

The city council approved a new tram line on Tuesday. Mayor Helen Carter said the line would open in 2027. "This is the biggest investment in our streets for fifty years," Carter told reporters.
"""
OUTLET_B = """Tram plan wins vote

Councillors backed the tram plan by a wide margin. "We listened to every neighbourhood," said Helen Carter, the mayor. Opposition leader Raj Patel warned that the budget was far too optimistic.
"""


def test_digest_merges_one_person_across_articles(tmp_path, capsys):
    (tmp_path / "a.txt").write_text(OUTLET_A, encoding="utf-8")
    (tmp_path / "b.txt").write_text(OUTLET_B, encoding="utf-8")
    assert main(["brief", "--digest", "--format", "json", str(tmp_path)]) == 0
    digest = json.loads(capsys.readouterr().out)
    assert [s["title"] for s in digest["stories"]] == ["Council approves new tram line", "Tram plan wins vote"]
    carter = [s for s in digest["speakers"] if "Carter" in s["name"]]
    assert len(carter) == 1
    assert carter[0]["name"] == "Helen Carter"
    assert {a["title"] for a in carter[0]["appearances"]} == {"Council approves new tram line", "Tram plan wins vote"}
    assert any("Patel" in s["name"] for s in digest["speakers"])


def test_digest_text_lists_stories_then_speakers(tmp_path, capsys):
    (tmp_path / "a.txt").write_text(OUTLET_A, encoding="utf-8")
    (tmp_path / "b.txt").write_text(OUTLET_B, encoding="utf-8")
    assert main(["brief", "--digest", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Digest of 2 stories")
    assert out.index("Who said what") > out.index("Tram plan wins vote")
    assert "Helen Carter" in out and "2 stories" in out


# --- stories: one per event, ranked by outlets ------------------------------------------------

from pathlib import Path  # noqa: E402

_TEXTS = Path(__file__).parent / "cluster_eval" / "texts"


def _copy(tmp_path, *names):
    paths = []
    for n in names:
        p = tmp_path / f"{n}.txt"
        p.write_text((_TEXTS / f"{n}.txt").read_text(encoding="utf-8"), encoding="utf-8")
        paths.append(str(p))
    return paths


def test_digest_json_groups_outlets_into_stories_ranked_by_coverage(tmp_path, capsys):
    paths = _copy(tmp_path, "rates-2-courier", "storm-1-courier", "storm-1-metro")
    assert main(["brief", "--digest", "--format", "json", *paths]) == 0
    digest = json.loads(capsys.readouterr().out)
    stories = digest["stories"]
    assert len(stories) == 2
    # the story two outlets carry ranks above the one only one carries, though given later
    assert [len(s["articles"]) for s in stories] == [2, 1]
    assert stories[0]["title"] == "Storm Carla leaves two dead and 40,000 without power"
    assert stories[0]["summary"] and isinstance(stories[0]["summary"], list)
    assert set(stories[0]["articles"][0]) == {"path", "url", "title", "source"}
    every = sorted(a["path"] for s in stories for a in s["articles"])
    assert every == sorted(paths)  # every input article in exactly one story
    assert digest["speakers"]


def test_digest_summary_is_the_fullest_articles(tmp_path, capsys):
    paths = _copy(tmp_path, "storm-1-metro", "storm-1-courier")  # the shorter one first
    assert main(["brief", "--digest", "--format", "json", *paths]) == 0
    story = json.loads(capsys.readouterr().out)["stories"][0]
    assert story["articles"][0]["path"].endswith("storm-1-courier.txt")
    assert story["summary"][0].startswith("Storm Carla swept across the coast")


def test_same_quote_in_two_outlets_is_one_quote_with_two_sources(tmp_path, capsys):
    paths = _copy(tmp_path, "debate-1-courier", "debate-1-metro")
    assert main(["brief", "--digest", "--format", "json", *paths]) == 0
    story = json.loads(capsys.readouterr().out)["stories"][0]
    line = [q for q in story["quotes"] if q["text"].startswith("My opponent can repeat")]
    assert len(line) == 1
    assert line[0]["speaker"] == "Maria Alvarez"
    assert sorted(s["path"] for s in line[0]["sources"]) == sorted(paths)


def test_stories_sharing_names_and_places_stay_apart_in_the_digest(tmp_path, capsys):
    paths = _copy(tmp_path, "rally-1-courier", "rally-2-courier", "poll-1-courier", "poll-2-courier")
    assert main(["brief", "--digest", "--format", "json", *paths]) == 0
    assert len(json.loads(capsys.readouterr().out)["stories"]) == 4


def test_digest_text_and_markdown_show_cards_with_also_in(tmp_path, capsys):
    paths = _copy(tmp_path, "court-1-courier", "court-1-metro", "rates-2-courier")
    assert main(["brief", "--digest", *paths]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Digest of 2 stories from 3 articles")
    assert out.split("Who said what")[0].count("Environmental group sues Northfield Chemical") == 1
    assert "also in: " in out and "court-1-metro.txt" in out
    assert main(["brief", "--digest", "--format", "markdown", *paths]) == 0
    md = capsys.readouterr().out
    assert "*also in: " in md
