"""Errors the operator reads, in one sentence each.

``bot.settings.SettingsError`` says a setting is missing or wrong (fix the environment);
``StartError`` says something outside the settings keeps a part from starting or running
(a port already in use, a gateway that closed, a platform that cannot be reached).
"""

from __future__ import annotations


class StartError(RuntimeError):
    """A part of the bot cannot start or keep running for a reason other than its settings;
    ``str()`` is one sentence for the operator."""
