"""Who said what: quotations and reported speech with their speakers.

``extract_quotes(doc)`` takes a parsed article body and returns :class:`~briefings.model.Quote`
items with character offsets into ``doc.text``. The work is split by construction:
:mod:`.marks` (quotation marks), :mod:`.cues` (speech verbs), :mod:`.reported` (reported
speech from the parse), :mod:`.speakers` (names, roles, pronouns) and :mod:`.extract`
(putting them together).
"""

from .extract import extract_quotes

__all__ = ["extract_quotes"]
