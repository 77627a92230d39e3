"""Logging for a service: one line per event, JSON when LOG_FORMAT=json, secrets never shown.

A bot holds chat tokens and database passwords, and libraries happily log URLs, headers
and exception messages that contain them. Redaction therefore happens in a filter on the
handler (so it sees records from every logger, ours and the libraries'), and covers:
  * values registered with :func:`add_secret` (the runner registers its settings' tokens);
  * values of environment variables whose names say they are secret (``*TOKEN*``,
    ``*SECRET*``, ``*PASSWORD*``, ``*_KEY``), read when logging is configured;
  * strings that look like tokens whatever their source: Discord bot tokens, Slack
    ``xox?-``/``xapp-`` tokens, ``Authorization: Bot/Bearer ...`` values, and the
    password part of URLs such as ``postgresql://user:password@host/db``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from datetime import datetime, timezone
from typing import Any, TextIO

REDACTED = "[REDACTED]"

#: Environment variable names whose values are treated as secrets.
SECRET_ENV_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|(^|_)KEY$", re.I)
#: Shorter values are not redacted: they would blank out ordinary words and numbers.
MIN_SECRET_LENGTH = 6

TOKEN_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Discord bot token: base64 user id . timestamp . HMAC.
    (re.compile(r"\b[A-Za-z0-9_-]{18,}\.[A-Za-z0-9_-]{5,8}\.[A-Za-z0-9_-]{25,}\b"), REDACTED),
    # Slack tokens (bot, user, app-level, refresh, config).
    (re.compile(r"\bx(?:ox[abposre]|app)-[A-Za-z0-9-]{8,}"), REDACTED),
    # Authorization header values, e.g. "Authorization: Bot abc" or "'Bearer abc'".
    (re.compile(r"(?i)\b(Bot|Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{12,}"), r"\1 " + REDACTED),
    # Passwords inside URLs: scheme://user:password@host
    (re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+(@)"), r"\1" + REDACTED + r"\2"),
    # key=value / key: value for secret-named keys in free text or repr'd dicts.
    (
        re.compile(
            r"(?i)((?:token|secret|password|passwd|signing_secret)['\"]?\s*[:=]\s*['\"]?)"
            r"(?!\[REDACTED\])[^\s'\",}]{4,}"
        ),
        r"\1" + REDACTED,
    ),
)

_secrets: set[str] = set()
_secrets_lock = threading.Lock()

#: LogRecord attributes that are not "extra" fields.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def add_secret(value: str | None) -> None:
    """Never log ``value`` (a token, a password). Empty and very short values are ignored."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(value)


def secrets_from_environment(environ: dict[str, str] | None = None) -> None:
    """Register secret-looking environment values: those of variables named like
    SECRET_ENV_NAME, and the password of any URL (DATABASE_URL=postgresql://u:pw@h/db)."""
    for name, value in (os.environ if environ is None else environ).items():
        if SECRET_ENV_NAME.search(name):
            add_secret(value)
        match = re.match(r"[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:([^@/\s]+)@", value)
        if match:
            add_secret(match.group(1))


def redact(text: str) -> str:
    """``text`` with known secrets and token-looking strings replaced by [REDACTED]."""
    if not text:
        return text
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in TOKEN_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, arguments and traceback text through :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the event
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS and not k.startswith("_")}


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in _extras(record).items():
            payload[key] = value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exc"] = record.exc_text
        if record.stack_info:
            payload["stack"] = record.stack_info
        return redact(json.dumps(payload, ensure_ascii=False, default=str))


class LineFormatter(logging.Formatter):
    """Readable text, still one line per event: tracebacks are folded with ' | '."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname:<7} {record.name}: {record.getMessage()}"
        extras = _extras(record)
        if extras:
            line += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line += " | " + record.exc_text.strip()
        if record.stack_info:
            line += " | " + record.stack_info.strip()
        return redact(line.replace("\r", "").replace("\n", " | "))


def configure_logging(
    level: str | int | None = None,
    fmt: str | None = None,
    stream: TextIO | None = None,
    secrets: tuple[str | None, ...] | list[str | None] = (),
) -> logging.Handler:
    """Install the one root handler, at ``level`` (INFO) in format ``fmt`` (text); ``briefbot
    run`` passes the LOG_LEVEL and LOG_FORMAT settings.

    Safe to call again (it replaces the handler it installed before). Returns the handler.
    """
    level = level or "INFO"
    fmt = (fmt or "text").lower()
    if fmt not in {"text", "json"}:
        raise ValueError(f"LOG_FORMAT must be 'text' or 'json', not {fmt!r}")
    secrets_from_environment()
    for secret in secrets:
        add_secret(secret)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else LineFormatter())
    handler.addFilter(RedactingFilter())
    handler.set_name("briefbot")
    # The one root handler: replaces any earlier configuration (the CLI's basicConfig),
    # which would print every event a second time, unredacted.
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # Chatty libraries: their INFO lines are noise for an operator.
    for name in ("discord.gateway", "discord.http", "apscheduler.executors.default", "aiohttp.access"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if root.getEffectiveLevel() > logging.DEBUG:  # LOG_LEVEL=DEBUG keeps them, for a look at extraction
        quiet_page_parsers()
    logging.captureWarnings(True)
    return handler


#: Libraries that log a page they cannot read at ERROR: an unreadable page is the user's
#: input, which Briefbot itself reports in one line (and logs at INFO), not a fault.
PAGE_PARSER_LOGGERS = ("trafilatura", "htmldate", "courlan", "justext")


def quiet_page_parsers() -> None:
    """Keep the page parsers' complaints about a page out of the log."""
    for name in PAGE_PARSER_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)
