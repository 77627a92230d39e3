"""Runtime settings, from the environment and an optional ``.env`` file.

Read once at start and validated then, so that a missing token or a typo in a time
zone stops the bot with one clear sentence instead of a traceback an hour later.
Secrets are ``SecretStr``: they print as ``**********`` and are never logged.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from bot.ops.sharding import ShardPlan

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///data/briefbot.db"


class SettingsError(ValueError):
    """A setting is missing or wrong; ``str()`` is one sentence meant for the operator."""


class Settings(BaseSettings):
    """Every setting the bot reads; names match the environment variables (upper case)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False)

    discord_token: SecretStr | None = None
    discord_api_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str | None = None
    discord_dev_guild_id: str | None = None
    discord_manager_role: str | None = None
    discord_shard_count: str | None = None  # validated with DISCORD_SHARD_IDS: ``shard_plan``
    discord_shard_ids: str | None = None

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_port: int = Field(3000, ge=0, le=65535)
    slack_host: str = "0.0.0.0"
    slack_api_url: str = "https://slack.com/api/"
    slack_manager_group: str | None = None

    database_url: str = DEFAULT_DATABASE_URL
    briefbot_fetch_allow_hosts: str | None = None
    feed_poll_seconds: int = Field(900, ge=1)
    digest_grace_seconds: int = Field(3600, ge=0)
    workers: int = Field(1, ge=1, le=32)
    health_port: int = Field(8080, ge=0, le=65535)
    shutdown_grace_seconds: float = Field(8.0, gt=0, le=600)
    leader_retry_seconds: float = Field(10.0, gt=0, le=60)
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    briefbot_spacy_model: str | None = None

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("DATABASE_URL must start with sqlite:/// or postgresql+psycopg://")
        return value

    @model_validator(mode="after")
    def _known_shards(self) -> "Settings":
        from bot.ops.sharding import ShardSettingsError, shard_plan

        try:
            shard_plan(self.discord_shard_count or "", self.discord_shard_ids or "")
        except ShardSettingsError as exc:
            raise ValueError(str(exc).rstrip(".")) from None
        return self

    def shard_plan(self) -> "ShardPlan":
        """DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS as checked at start."""
        from bot.ops.sharding import shard_plan

        return shard_plan(self.discord_shard_count or "", self.discord_shard_ids or "")

    @property
    def discord_configured(self) -> bool:
        return bool(self.discord_token and self.discord_token.get_secret_value())

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token and self.slack_bot_token.get_secret_value())

    def platforms(self) -> list[str]:
        """Platforms with enough settings to start, in start order."""
        names = []
        if self.discord_configured:
            names.append("discord")
        if self.slack_configured:
            names.append("slack")
        return names

    def check_platforms(self) -> None:
        """Raise ``SettingsError`` unless at least one platform can start, fully configured."""
        if self.slack_configured and not (_has(self.slack_signing_secret) or _has(self.slack_app_token)):
            raise SettingsError(
                "SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP events) "
                "nor SLACK_APP_TOKEN (Socket Mode) is: set one of them."
            )
        if not self.platforms():
            raise SettingsError(
                "No chat platform is configured: set DISCORD_TOKEN for Discord, or "
                "SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET or SLACK_APP_TOKEN for Slack "
                "(or run `briefbot console` to try the bot in a terminal)."
            )

    def check_model(self) -> None:
        """Raise ``SettingsError`` unless the spaCy model can be found, without loading it.

        Otherwise a typo in BRIEFBOT_SPACY_MODEL surfaces as a broken worker pool and a
        traceback at start (the model is only loaded inside the worker processes).
        """
        from briefings.nlp import ModelNotFound, model_name

        try:
            name = model_name(self.briefbot_spacy_model)
        except ModelNotFound as exc:
            raise SettingsError(f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None
        if Path(name).is_dir():
            return
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise SettingsError(
                f"Setting BRIEFBOT_SPACY_MODEL names {name!r}, which is neither an "
                "installed spaCy model package nor a model directory."
            )

    def sqlite_path(self) -> Path | None:
        """The database file when SQLite is used (``None`` for in-memory or PostgreSQL)."""
        return sqlite_path(self.database_url)


def _has(secret: SecretStr | None) -> bool:
    return bool(secret and secret.get_secret_value())


def sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite:///"):
        return None
    path = url[len("sqlite:///") :].split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def load_settings(**overrides: Any) -> Settings:
    """Read settings; any problem becomes one ``SettingsError`` sentence naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None


_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+(@)")


def describe_validation_error(exc: ValidationError) -> str:
    """The first problem, as ``Setting NAME ...`` in one sentence."""
    err = exc.errors()[0]
    msg = err.get("msg", "is invalid")
    msg = msg.removeprefix("Value error, ")
    if not err.get("loc"):  # a check across settings (model validator): its message names them
        return f"{msg[:1].upper()}{msg[1:].rstrip('.')}."
    name = str(err["loc"][0]).upper()
    value = err.get("input")
    if isinstance(value, str):  # DATABASE_URL=postgresql://user:password@host/db
        value = _URL_PASSWORD.sub(r"\1***\2", value)
    shown = "" if value is None or "token" in name.lower() or "secret" in name.lower() else f" (got {value!r})"
    return f"Setting {name} is invalid: {msg}{shown}."
