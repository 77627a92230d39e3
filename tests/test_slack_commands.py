"""Slash-command text parsing (catalogue-driven) and the app manifest agreeing with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.interface import COMMAND_SPECS
from bot.platforms.slack_commands import SLASH_GROUPS, clean_text, parse

MANIFEST = Path(__file__).resolve().parent.parent / "slack" / "manifest.yml"


@pytest.mark.parametrize(
    "slash, text, command, options",
    [
        ("/brief", "https://news.example/a 4", "brief", {"url": "https://news.example/a", "sentences": 4}),
        (
            "/brief",
            "<https://news.example/a?x=1&amp;y=2|news.example/a>",
            "brief",
            {"url": "https://news.example/a?x=1&y=2"},
        ),
        ("/brief", "https://news.example/a many", "brief", {"url": "https://news.example/a", "sentences": "many"}),
        (
            "/quotes",
            "https://news.example/a Moon Jae-in",
            "quotes",
            {"url": "https://news.example/a", "speaker": "Moon Jae-in"},
        ),
        ("/digest", "", "digest", {}),
        ("/feeds", "add https://feeds.example/rss", "feeds add", {"url": "https://feeds.example/rss"}),
        ("/feeds", "REMOVE <https://feeds.example/rss>", "feeds remove", {"url": "https://feeds.example/rss"}),
        ("/feeds", "list", "feeds list", {}),
        (
            "/schedule",
            "set 08:00 Europe/Berlin mon-fri",
            "schedule set",
            {"time": "08:00", "timezone": "Europe/Berlin", "days": "mon-fri"},
        ),
        (
            "/schedule",
            "set 7:30 Asia/Seoul sat, sun",
            "schedule set",
            {"time": "7:30", "timezone": "Asia/Seoul", "days": "sat, sun"},
        ),
        ("/schedule", "off", "schedule off", {}),
        ("/schedule", "show", "schedule show", {}),
        (
            "/schedule",
            "set time:08:00 timezone:Europe/Berlin",
            "schedule set",
            {"time": "08:00", "timezone": "Europe/Berlin"},
        ),
        (
            "/schedule",
            "set timezone:Asia/Seoul 09:15 days:mon-fri",
            "schedule set",
            {"time": "09:15", "timezone": "Asia/Seoul", "days": "mon-fri"},
        ),
        (
            "/quotes",
            "url:https://news.example/a speaker:Moon Jae-in",
            "quotes",
            {"url": "https://news.example/a", "speaker": "Moon Jae-in"},
        ),
        (
            "/brief",
            "url:https://news.example/a sentences:2",
            "brief",
            {"url": "https://news.example/a", "sentences": 2},
        ),
        ("/feeds", "add url:<https://feeds.example/rss>", "feeds add", {"url": "https://feeds.example/rss"}),
        ("/quotes", "speaker:Joan Pryce days:7", "quotes", {"speaker": "Joan Pryce", "days": 7}),
        ("/quotes", "text:worst storm in years", "quotes", {"text": "worst storm in years"}),
        (
            "/schedule",
            "set 08:00 UTC stories:5 sentences:1",
            "schedule set",
            {"time": "08:00", "timezone": "UTC", "stories": 5, "sentences": 1},
        ),
        ("/briefbot", "", "help", {}),
        ("/briefbot", "help", "help", {}),
        ("/briefbot", "brief https://news.example/a", "brief", {"url": "https://news.example/a"}),
        ("/briefbot", "feeds list", "feeds list", {}),
    ],
)
def test_parses_command_text(slash, text, command, options):
    parsed = parse(slash, text)
    assert parsed.ok, parsed.problem
    assert parsed.command == command and parsed.options == options


@pytest.mark.parametrize(
    "slash, text, hint",
    [
        ("/brief", "", "missing url"),
        ("/brief", "https://a.example 3 extra", "unexpected `extra`"),
        ("/feeds", "", "/briefbot feeds add <url>"),
        ("/feeds", "rename x", "/briefbot feeds list"),
        ("/schedule", "set 08:00", "missing timezone"),
        ("/digest", "now please", "unexpected `now please`"),
        ("/briefbot", "dance", "Unknown command `dance`"),
    ],
)
def test_bad_text_gets_a_usage_message(slash, text, hint):
    parsed = parse(slash, text)
    assert not parsed.ok and parsed.command is None
    assert hint in (parsed.problem or "")


def test_clean_text_unwraps_links_and_entities():
    assert clean_text("  <https://a.example/x?a=1&amp;b=2>  &lt;3 ") == "https://a.example/x?a=1&b=2  <3"


def test_every_catalogue_group_has_a_slash_command():
    groups = {spec.group for spec in COMMAND_SPECS if spec.group != "help"}
    assert groups <= {g for g in SLASH_GROUPS.values() if g}


def test_manifest_declares_every_slash_command_and_scope():
    text = MANIFEST.read_text()
    declared = re.findall(r"^\s*- command: (/\w+)\s*$", text, re.MULTILINE)
    assert sorted(declared) == sorted(SLASH_GROUPS)
    for scope in ("commands", "chat:write", "chat:write.public", "users:read", "usergroups:read"):
        assert re.search(rf"^\s*- {re.escape(scope)}\b", text, re.MULTILINE), scope
    assert re.search(r"^\s*socket_mode_enabled: false\s*$", text, re.MULTILINE)
    urls = re.findall(r"^\s*url: (\S+)\s*$", text, re.MULTILINE)
    assert len(urls) == len(SLASH_GROUPS) and all(u.endswith("/slack/events") for u in urls)
