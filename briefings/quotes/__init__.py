"""Who said what: quotations and reported speech with their speakers.

The spaCy component ``briefbot_quotes`` (:mod:`.component`) writes ``doc._.quotes``;
``extract_quotes(doc)`` does the same for a parsed doc without the component. The work is
split by construction: :mod:`.marks` (quotation marks), :mod:`.cues` (speech verbs),
:mod:`.reported` (reported speech from the parse), :mod:`.extract` (pairing quotations
with cues), :mod:`.speakers` (the article's cast of people), :mod:`.mentions` (the
mention sieve), :mod:`.sieve` (the quote sieve) and :mod:`.confidence` (how sure).
"""

from .component import QuoteAttributor, extract_quotes

__all__ = ["QuoteAttributor", "extract_quotes"]
