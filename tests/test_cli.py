"""`briefbot brief` end to end, in process: formats, exit status, failed sources."""

from __future__ import annotations

import json

import pytest

from bot.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_seed_article_text_brief(capsys, seed_path):
    code, out, err = run(capsys, "brief", str(seed_path))
    assert code == 0, err
    assert out.startswith("US-South Korea Contemporary Relations\n")
    assert "Comments are closed" not in out
    assert "Subscribe to Newsletter" not in out
    assert "Who said what" in out
    assert "Joe Biden" in out


def test_seed_article_summary_covers_the_story(capsys, seed_path):
    code, out, _ = run(capsys, "brief", "--format", "jsonl", str(seed_path))
    assert code == 0
    [record] = [json.loads(line) for line in out.splitlines()]
    assert record["path"] == str(seed_path)
    assert record["title"] == "US-South Korea Contemporary Relations"
    summary = record["summary"]
    assert len(summary) == 3
    joined = " ".join(summary)
    assert "Moon" in joined and "Biden" in joined  # the meeting
    assert "envoy" in joined  # the appointment
    assert "nuclear" in joined  # North Korea's arsenal
    assert all("Comments are closed" not in s and "Subscribe" not in s for s in summary)
    assert record["title"] not in summary
    # offsets point into the file as read
    text = seed_path.read_text(encoding="utf-8")
    for q in record["quotes"]:
        assert text[q["start"] : q["end"]].split() == q["text"].split() or q["text"] in text


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "jsonl"])
def test_every_format_renders_all_seeds(capsys, fmt):
    code, out, err = run(capsys, "brief", "--format", fmt, "seeds")
    assert code == 0, err
    if fmt == "jsonl":
        assert len(out.splitlines()) == 4
    if fmt == "json":
        assert len(json.loads(out)) == 4


def test_sentence_count_and_word_budget(capsys, seed_path):
    _, out, _ = run(capsys, "brief", "--format", "jsonl", "--sentences", "1", str(seed_path))
    assert len(json.loads(out)["summary"]) == 1
    _, out, _ = run(capsys, "brief", "--format", "jsonl", "--words", "60", str(seed_path))
    summary = json.loads(out)["summary"]
    assert summary and sum(len(s.split()) for s in summary) <= 60 + 60  # one sentence may cross


def test_failed_source_gets_one_line_and_others_are_briefed(capsys, seed_path, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("Comments are closed.\n", encoding="utf-8")
    code, out, err = run(
        capsys, "brief", "--format", "jsonl", str(tmp_path / "missing.txt"), str(empty), str(seed_path)
    )
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert "missing.txt" in lines[0] and "no such file" in lines[0]
    assert "empty.txt" in lines[1] and "no story text" in lines[1]
    assert "Traceback" not in err
    assert [json.loads(line)["path"] for line in out.splitlines()] == [str(seed_path)]


def test_one_bad_page_in_a_folder_does_not_cost_the_others(capsys, seed_path, tmp_path, monkeypatch):
    import briefings.webpages as webpages

    (tmp_path / "a-story.txt").write_text(seed_path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b-empty.html").write_text("<html><body><nav>Home</nav></body></html>", encoding="utf-8")
    (tmp_path / "c-broken.html").write_text("<html><body><p>x</p></body></html>", encoding="utf-8")
    real = webpages.article_from_html

    def flaky(html, **kw):
        if kw.get("path", "").endswith("c-broken.html"):
            raise ValueError("an extractor bug")
        return real(html, **kw)

    monkeypatch.setattr(webpages, "article_from_html", flaky)
    code, out, err = run(capsys, "brief", "--format", "jsonl", str(tmp_path))
    assert code != 0
    assert [json.loads(line)["path"] for line in out.splitlines()] == [str(tmp_path / "a-story.txt")]
    lines = err.strip().splitlines()
    assert any("b-empty.html" in line and "no article text" in line for line in lines), err
    assert any("c-broken.html" in line and "unexpected error: ValueError" in line for line in lines), err
    assert "Traceback" not in err


def test_a_page_the_parser_cannot_read_is_one_line_not_library_logs(tmp_path):
    import subprocess
    import sys

    page = tmp_path / "feed-saved-as.html"
    page.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>')
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))",
            "brief",
            str(page),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"briefbot: could not load {page}: no article text was found in the page"
    ]


def test_refused_scheme_is_one_clear_line(capsys, seed_path):
    code, out, err = run(capsys, "brief", "file:///etc/passwd", str(seed_path))
    assert code != 0
    assert "file:///etc/passwd" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "US-South Korea" in out


def test_jobs_gives_the_same_briefs(capsys, tmp_path, seed_path):
    text = seed_path.read_text(encoding="utf-8")
    for i in range(34):
        (tmp_path / f"{i:02d}.txt").write_text(text, encoding="utf-8")
    _, one, _ = run(capsys, "brief", "--format", "jsonl", str(tmp_path))
    _, two, _ = run(capsys, "brief", "--format", "jsonl", "--jobs", "2", str(tmp_path))
    assert one == two
