"""``briefbot console``: typed lines become Invocations; replies are printed readably."""

from __future__ import annotations

import io
import sys

import pytest

from bot.console import ParseError, main, parse_line


def test_parse_named_and_positional_forms():
    a = parse_line("/schedule set time:08:00 timezone:Europe/Paris")
    b = parse_line("schedule set 08:00 Europe/Paris mon-fri")
    assert a.command == b.command == "schedule set"
    assert dict(a.options) == {"time": "08:00", "timezone": "Europe/Paris"}
    assert dict(b.options) == {"time": "08:00", "timezone": "Europe/Paris", "days": "mon-fri"}
    c = parse_line('/quotes https://x.example/a speaker:"Jane Doe"')
    assert dict(c.options) == {"url": "https://x.example/a", "speaker": "Jane Doe"}
    d = parse_line("/brief seeds/a.txt sentences=2")
    assert d.options["sentences"] == 2 and d.can_manage and d.channel.key == "console:local"
    assert parse_line("   ") is None


@pytest.mark.parametrize(
    "line, expected",
    [
        ("/nope", "no /nope command"),
        ("/feeds", "add, remove, list"),
        ("/brief a b c", "Too many values"),
        ('/brief "unclosed', "Could not read"),
    ],
)
def test_parse_errors(line, expected):
    with pytest.raises(ParseError, match=expected):
        parse_line(line)


def test_console_briefs_the_seed_file_with_piped_stdin(tmp_path, monkeypatch, capsys, seed_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/data/briefbot.db")
    monkeypatch.setenv("FEED_POLL_SECONDS", "3600")
    monkeypatch.setattr(
        sys,
        "stdin",
        io.StringIO(
            f"/brief {seed_path} 2\n"
            "/schedule set 08:00 Europe/Paris weekdays\n"
            "/schedule set 8am Europe/Paris\n"
            "/quit\n"
            "/help\n"
        ),
    )
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "Summary:" in out and "Who said what:" in out
    summary = out.split("Summary:")[1].split("Who said what:")[0]
    assert summary.count("  • ") == 2
    speakers = out.split("Who said what:")[1]
    assert "Biden" in speakers and "    – " in speakers
    assert "08:00 (Europe/Paris) Monday to Friday" in out
    assert "Error: “8am” is not a time" in out
    assert "/feeds add" not in out  # nothing after /quit is read
    assert (tmp_path / "data" / "briefbot.db").exists()


def test_console_reports_bad_settings_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORKERS", "zero")
    monkeypatch.setattr(sys, "stdin", io.StringIO("/help\n"))
    assert main([]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "WORKERS" in err


def test_console_reports_unusable_database_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").write_text("a file where the data directory should be")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///data/sub/briefbot.db")
    monkeypatch.setattr(sys, "stdin", io.StringIO("/help\n"))
    assert main([]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "DATABASE_URL" in err


def test_console_reports_a_missing_spacy_model_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFBOT_SPACY_MODEL", "no_such_spacy_model")
    monkeypatch.setattr(sys, "stdin", io.StringIO("/help\n"))
    assert main([]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "BRIEFBOT_SPACY_MODEL" in err
