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
