"""Logs: one line per event, JSON on request, and no secret ever reaches the output."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.ops import logs

DISCORD_LIKE = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


@pytest.fixture
def capture(monkeypatch):
    """configure_logging into a buffer; restores the root logger afterwards."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    buffers = []

    def configure(fmt="text", **kwargs):
        buf = io.StringIO()
        logs.configure_logging(level="DEBUG", fmt=fmt, stream=buf, **kwargs)
        buffers.append(buf)
        return buf

    yield configure
    root.handlers[:] = saved[1]
    root.setLevel(saved[0])


def lines(buf: io.StringIO) -> list[str]:
    return buf.getvalue().splitlines()


def test_json_format_is_one_object_per_line_with_extras(capture):
    buf = capture("json")
    logging.getLogger("bot.test").info("posted digest to %s", "#news", extra={"channel": "123", "count": 4})
    [line] = lines(buf)
    event = json.loads(line)
    assert event["level"] == "INFO"
    assert event["logger"] == "bot.test"
    assert event["message"] == "posted digest to #news"
    assert event["channel"] == "123" and event["count"] == 4
    assert event["ts"].endswith("Z")


def test_exceptions_stay_on_one_line_in_both_formats(capture):
    for fmt in ("json", "text"):
        buf = capture(fmt)
        try:
            raise ValueError("bad feed\nsecond line")
        except ValueError:
            logging.getLogger("bot.test").exception("feed failed")
        assert len(lines(buf)) == 1, buf.getvalue()
        assert "ValueError" in buf.getvalue()
        if fmt == "json":
            assert "Traceback" in json.loads(lines(buf)[0])["exc"]


def test_registered_and_environment_secrets_are_redacted(capture, monkeypatch):
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "0123456789abcdef0123456789abcdef")
    buf = capture("text", secrets=("plain-secret-value",))
    log = logging.getLogger("bot.test")
    log.info("signing with %s", "0123456789abcdef0123456789abcdef")
    log.warning("config %r", {"x": "plain-secret-value"})
    out = buf.getvalue()
    assert "0123456789abcdef0123456789abcdef" not in out
    assert "plain-secret-value" not in out
    assert out.count(logs.REDACTED) == 2


@pytest.mark.parametrize(
    "message, secret",
    [
        (f"login with {DISCORD_LIKE} failed", DISCORD_LIKE),
        ("slack token xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp rejected", "xoxb-1234567890"),
        ("socket mode xapp-1-A0123-456789-abcdef0123 connecting", "xapp-1-A0123"),
        ("headers {'Authorization': 'Bot abcdefghijklmnop.qrs'}", "abcdefghijklmnop"),
        ("connecting to postgresql+psycopg://bot:s3cr3t-pw@db:5432/briefbot", "s3cr3t-pw"),
        ("settings token=abcd1234efgh password: hunter2hunter2", "hunter2hunter2"),
    ],
)
def test_token_looking_strings_are_redacted_whatever_their_source(capture, message, secret):
    buf = capture("json")
    logging.getLogger("some.library").error(message)
    out = buf.getvalue()
    assert secret not in out
    assert logs.REDACTED in out


def test_secrets_in_tracebacks_are_redacted(capture):
    logs.add_secret("tb-secret-123456")
    buf = capture("json")
    try:
        raise RuntimeError("could not log in with tb-secret-123456")
    except RuntimeError:
        logging.getLogger("discord.client").exception("login failed")
    assert "tb-secret-123456" not in buf.getvalue()
    assert logs.REDACTED in json.loads(lines(buf)[0])["exc"]


def test_ordinary_text_is_left_alone():
    text = "fetched https://example.com/news/a.html (3 items, token_count=5) in 0.2s"
    assert logs.redact(text) == text
    assert logs.redact("sqlite:////data/briefbot.db") == "sqlite:////data/briefbot.db"


def test_short_values_are_not_treated_as_secrets():
    logs.add_secret("ab")
    assert logs.redact("tab about") == "tab about"


def test_bad_log_format_is_one_clear_error():
    with pytest.raises(ValueError, match="LOG_FORMAT must be 'text' or 'json'"):
        logs.configure_logging(fmt="xml", stream=io.StringIO())


@pytest.mark.parametrize(("level", "quieted"), [("INFO", True), ("DEBUG", False)])
def test_page_parsers_complaints_stay_out_of_the_log_unless_debugging(level, quieted):
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    parser_log = logging.getLogger("trafilatura.core")
    saved_parser = logging.getLogger("trafilatura").level
    try:
        logging.getLogger("trafilatura").setLevel(logging.NOTSET)
        buf = io.StringIO()
        logs.configure_logging(level=level, stream=buf)
        parser_log.error("empty HTML tree: None")
        assert ("empty HTML tree" not in buf.getvalue()) is quieted
    finally:
        logging.getLogger("trafilatura").setLevel(saved_parser)
        root.handlers[:] = saved[1]
        root.setLevel(saved[0])
