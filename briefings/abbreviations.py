"""Abbreviated titles as a spaCy component: ``nlp.add_pipe("briefbot_abbreviations", before="parser")``.

"said Sgt. Paul Harding" or "according to Supt. Anne Roy": the English models' tokenizer
splits "Sgt." into "Sgt" and a full stop, and the parser then ends a sentence there, so
the name falls into a sentence of its own and "Sgt" is taken for the speaker (or, with no
subject left, the quotation goes to whoever spoke before). The language's
``abbreviations.txt`` lists such titles. :func:`keep_whole` teaches them to the
tokenizer, and the component, run before the parser, marks the capitalised word after
one as no sentence start, which the parser respects::

    [components.briefbot_abbreviations]
    factory = "briefbot_abbreviations"
    lang = "en"
"""

from __future__ import annotations

from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Token

from briefings import lang as lang_data

#: The language's list of abbreviations whose full stop belongs to the word.
LIST = "abbreviations"


def abbreviations(lang: str) -> frozenset[str]:
    """The abbreviations of ``lang`` (lower case, with their full stop); none if it has no list."""
    try:
        return lang_data.words(lang, LIST)
    except lang_data.LanguageDataMissing:
        return frozenset()


def keep_whole(nlp: Language) -> None:
    """Add the language's abbreviations to the tokenizer in lower, Title and UPPER case."""
    tokenizer = nlp.tokenizer
    if not nlp.lang or not isinstance(tokenizer, Tokenizer):
        return  # a custom tokenizer keeps its own rules
    for entry in abbreviations(nlp.lang):
        for form in {entry, entry.capitalize(), entry.upper()}:
            tokenizer.add_special_case(form, [{ORTH: form}])


@Language.factory("briefbot_abbreviations", default_config={"lang": "en"}, assigns=["token.is_sent_start"])
def make_abbreviation_boundaries(nlp: Language, name: str, lang: str) -> "AbbreviationBoundaries":
    return AbbreviationBoundaries(abbreviations(lang))


class AbbreviationBoundaries:
    """No sentence starts at the name after an abbreviated title."""

    def __init__(self, entries: frozenset[str]) -> None:
        self.entries = entries

    def __call__(self, doc: Doc) -> Doc:
        for tok in doc[:-1]:
            after = doc[tok.i + 1]
            if after.is_title and self._abbreviation(tok):
                after.is_sent_start = False
        return doc

    def _abbreviation(self, tok: Token) -> bool:
        """ "Sgt." as one token, or "Sgt" and a full stop the tokenizer split off."""
        if tok.lower_ in self.entries:
            return True
        if tok.text != "." or tok.i == 0:
            return False
        before = tok.doc[tok.i - 1]
        return not before.whitespace_ and f"{before.lower_}." in self.entries
