"""The container entrypoint's choice of command."""

import os
import sys

import pytest

from bot.ops.entrypoint import command_for


@pytest.fixture(autouse=True)
def venv_on_path(monkeypatch):
    """As in the image, where the venv's bin (with `briefbot`) leads PATH."""
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))


def test_no_arguments_runs_the_bot():
    assert command_for([]) == ["briefbot", "run"]


def test_a_full_command_runs_as_given():
    assert command_for(["briefbot", "brief", "https://example.com/a"]) == ["briefbot", "brief", "https://example.com/a"]
    assert command_for(["sh", "-c", "true"]) == ["sh", "-c", "true"]


def test_a_bare_subcommand_or_option_goes_to_briefbot():
    assert command_for(["brief", "https://example.com/a"]) == ["briefbot", "brief", "https://example.com/a"]
    assert command_for(["--help"]) == ["briefbot", "--help"]
