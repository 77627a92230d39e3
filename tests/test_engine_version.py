"""Cached briefs are keyed on the engine that made them (``briefings.version``): a brief
cached by another engine version (an upgrade of the quote rules, another spaCy model,
other summary settings) is recomputed when next needed, and replaces the old row."""

from __future__ import annotations

from sqlalchemy import text

from bot.core.app import Core
from bot.core.workers import ThreadBriefer
from bot_helpers import inv, make_settings
from briefings import version


class CountingBriefer(ThreadBriefer):
    def __init__(self) -> None:
        super().__init__()
        self.articles = 0

    async def brief(self, articles, sentences):
        self.articles += len(articles)
        return await super().brief(articles, sentences)


def engine_of(core: Core) -> list[str]:
    with core.store.engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT engine FROM briefs"))]


def test_the_engine_version_names_the_package_the_model_and_the_summary_settings(monkeypatch):
    current = version.engine_version()
    assert current.startswith(f"briefbot-{version.package_version()}.r{version.ENGINE_REVISION}/")
    assert "en_core_web_sm" in current and f"/s{version.summary_settings()}" in current
    version.engine_version.cache_clear()
    monkeypatch.setattr(version, "ENGINE_REVISION", version.ENGINE_REVISION + 1)
    try:
        assert version.engine_version() != current  # bumping the revision is a new engine
    finally:
        version.engine_version.cache_clear()


async def test_a_brief_cached_by_another_engine_is_recomputed(tmp_path, seed_path, nlp, monkeypatch):
    settings = make_settings(tmp_path)
    old = Core.open(settings, briefer=(first := CountingBriefer()), allow_files=True)
    try:
        assert not (await old.service.handle(inv("brief", url=str(seed_path)))).error
        assert not (await old.service.handle(inv("brief", url=str(seed_path)))).error
        assert first.articles == 1  # the second was served from the cache
        assert engine_of(old) == [version.engine_version(settings.briefbot_spacy_model)]
    finally:
        await old.aclose()

    # The same database opened by another engine version (here: a bumped revision).
    version.engine_version.cache_clear()
    monkeypatch.setattr(version, "ENGINE_REVISION", version.ENGINE_REVISION + 1)
    try:
        new = Core.open(settings, briefer=(second := CountingBriefer()), allow_files=True)
        try:
            assert not (await new.service.handle(inv("brief", url=str(seed_path)))).error
            assert second.articles == 1  # recomputed, not served from the old engine's cache
            assert engine_of(new) == [version.engine_version(settings.briefbot_spacy_model)]
            assert not (await new.service.handle(inv("brief", url=str(seed_path)))).error
            assert second.articles == 1  # and cached again, for this engine
        finally:
            await new.aclose()
    finally:
        version.engine_version.cache_clear()
