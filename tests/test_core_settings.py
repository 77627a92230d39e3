"""Settings: environment and .env, one-sentence errors, secrets never shown."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings

NAMES = (
    "DISCORD_TOKEN",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "WORKERS",
    "DATABASE_URL",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "HEALTH_PORT",
    "DIGEST_GRACE_SECONDS",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults():
    s = load_settings()
    assert s.database_url == "sqlite:///data/briefbot.db" and str(s.sqlite_path()) == "data/briefbot.db"
    assert (s.health_port, s.digest_grace_seconds, s.workers, s.log_format) == (8080, 3600, 1, "text")
    assert s.discord_api_url == "https://discord.com/api/v10" and s.platforms() == []


def test_dotenv_is_read_and_secrets_stay_hidden(tmp_path):
    (tmp_path / ".env").write_text(
        "DISCORD_TOKEN=abc.def.secret\nSLACK_BOT_TOKEN=xoxb-1\n"
        "SLACK_APP_TOKEN=xapp-1\nLOG_LEVEL=debug\nLOG_FORMAT=JSON\n"
    )
    s = load_settings()
    assert s.platforms() == ["discord", "slack"]
    s.check_platforms()
    assert s.log_level == "DEBUG" and s.log_format == "json"
    assert "abc.def.secret" not in repr(s) and "xoxb-1" not in str(s.model_dump())
    assert s.discord_token.get_secret_value() == "abc.def.secret"


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("WORKERS", "0", "WORKERS"),
        ("HEALTH_PORT", "http", "HEALTH_PORT"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
        ("DIGEST_GRACE_SECONDS", "-5", "DIGEST_GRACE_SECONDS"),
    ],
)
def test_wrong_setting_is_one_sentence(monkeypatch, name, value, words):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    text = str(err.value)
    assert words in text and "\n" not in text and text.endswith(".")


def test_slack_needs_a_way_to_receive_events(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        load_settings().check_platforms()


def test_a_wrong_database_url_never_shows_its_password(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://briefbot:hunter22@db.internal/briefbot")
    with pytest.raises(SettingsError) as err:
        load_settings()
    text = str(err.value)
    assert "DATABASE_URL" in text and "db.internal" in text and "hunter22" not in text


def test_a_database_url_with_a_bad_port_is_one_sentence(monkeypatch, tmp_path):
    from bot.storage.db import StoreError, open_store

    with pytest.raises(StoreError) as err:
        open_store("postgresql://briefbot:hunter22@localhost:notaport/briefbot")
    text = str(err.value)
    assert "DATABASE_URL" in text and "\n" not in text and "hunter22" not in text
