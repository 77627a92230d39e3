"""A command service wrapper both platform harnesses use to see what the adapter asked."""

from __future__ import annotations

from typing import Any

from bot.core.interface import Invocation, Reply


class RecordingService:
    """The real command service, remembering what it was asked and what it answered."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.invocations: list[Invocation] = []
        self.replies: list[Reply] = []

    async def handle(self, inv: Invocation) -> Reply:
        self.invocations.append(inv)
        reply = await self.inner.handle(inv)
        self.replies.append(reply)
        return reply

    async def speaker_choices(self, url: str, prefix: str, channel=None) -> list[str]:
        return await self.inner.speaker_choices(url, prefix, channel)
