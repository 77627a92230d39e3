"""Sentence boundaries the parser gets wrong, as a spaCy component:
``nlp.add_pipe("briefbot_boundaries", before="parser")``.

The parser respects sentence starts set before it runs, so three kinds are set here:

* **No sentence starts after an abbreviated title.** "said Sgt. Paul Harding" or
  "according to Supt. Anne Roy": the English models' tokenizer splits "Sgt." into "Sgt"
  and a full stop, and the parser then ends a sentence there, so the name falls into a
  sentence of its own and "Sgt" is taken for the speaker (or, with no subject left, the
  quotation goes to whoever spoke before). The language's ``abbreviations.txt`` lists such
  titles; :func:`keep_whole` teaches them to the tokenizer, and the capitalised word after
  one is marked as no sentence start. The tokenizer also keeps abbreviated units whole
  (``unit_abbreviations.txt``: "who lost 16 lbs. "and two belt loops" ... says"); after
  one, a capitalised word starts a sentence ("He lost 16 lbs. The program worked") and
  anything else does not.
* **A sentence starts at a new line.** The engine parses one paragraph per line, and a
  paragraph never continues the sentence before it: "... in an interview from Trout
  Brook, N.B.\nVickers said that ..." once ran on over the break (the abbreviation's
  full stop ends no sentence), and "Vickers" became part of the paragraph before, leaving
  "said" with no subject.
* **No sentence starts after a quotation closed on a comma.** ``The event "was not as
  simple as, 'He's the ringleader,'" Sexton said``: the comma inside the marks says the
  sentence goes on, but the parser sometimes ends it at the closing mark, which leaves the
  quoted words without the cue that follows them. The same after a question or an
  exclamation closed by marks when a lower-case word follows (``"Why?" she asked``).

::

    [components.briefbot_boundaries]
    factory = "briefbot_boundaries"
    lang = "en"
"""

from __future__ import annotations

from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Token

from briefings import lang as lang_data

#: The language's list of abbreviated titles whose full stop belongs to the word.
LIST = "abbreviations"
#: The language's list of abbreviated units ("lbs.") whose full stop belongs to the word.
UNITS = "unit_abbreviations"


def abbreviations(lang: str, name: str = LIST) -> frozenset[str]:
    """The abbreviations of ``lang`` in list ``name`` (lower case, with their full stop);
    none if it has no such list."""
    try:
        return lang_data.words(lang, name)
    except lang_data.LanguageDataMissing:
        return frozenset()


def keep_whole(nlp: Language) -> None:
    """Add the language's abbreviated titles (in lower, Title and UPPER case) and units
    (in lower case) to the tokenizer."""
    tokenizer = nlp.tokenizer
    if not nlp.lang or not isinstance(tokenizer, Tokenizer):
        return  # a custom tokenizer keeps its own rules
    for entry in abbreviations(nlp.lang):
        for form in {entry, entry.capitalize(), entry.upper()}:
            tokenizer.add_special_case(form, [{ORTH: form}])
    for entry in abbreviations(nlp.lang, UNITS):
        # lower case only: "Ft. Worth" is Fort Worth, "Sq." a square
        tokenizer.add_special_case(entry, [{ORTH: entry}])


@Language.factory("briefbot_boundaries", default_config={"lang": "en"}, assigns=["token.is_sent_start"])
def make_boundaries(nlp: Language, name: str, lang: str) -> "Boundaries":
    return Boundaries(abbreviations(lang), abbreviations(lang, UNITS))


#: Quotation marks that can close a quotation (the tokenizer keeps each one a token).
_CLOSING = frozenset({'"', "'", "''", "\u201d", "\u2019"})


class Boundaries:
    """A sentence starts at a new line, and never at the name after an abbreviated title
    or after a quotation closed on a comma; after an abbreviated unit, only at a
    capitalised word."""

    def __init__(self, entries: frozenset[str], units: frozenset[str] = frozenset()) -> None:
        self.entries = entries
        self.units = units

    def __call__(self, doc: Doc) -> Doc:
        for tok in doc[:-1]:
            after = doc[tok.i + 1]
            if _line_break(tok) and not after.is_space:
                after.is_sent_start = True
            elif after.is_title and self._abbreviation(tok):
                after.is_sent_start = False
            elif tok.text in self.units:
                # "lost 16 lbs. The program worked": the stop ends the sentence too
                after.is_sent_start = after.is_title
            elif _closed_mid_sentence(tok, after):
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


def _closed_mid_sentence(tok: Token, after: Token) -> bool:
    """Whether ``tok`` closes a quotation that ended on a comma (or on "?"/"!" with a
    lower-case word after it): a closing mark has a space after it, an opening one not."""
    if tok.text not in _CLOSING or not tok.whitespace_ or after.is_space or after.is_punct:
        return False
    j = tok.i - 1
    while j >= 0 and tok.doc[j].text in _CLOSING:
        j -= 1
    if j < 0:
        return False
    end = tok.doc[j].text
    return end == "," or (end in {"?", "!"} and after.is_lower)


def _line_break(tok: Token) -> bool:
    """Whether a line ends after ``tok`` (in its trailing space or as a space token): the
    engine's cleaned text holds one paragraph per line, hard-wrapped lines rejoined."""
    space = tok.text if tok.is_space else tok.whitespace_
    return "\n" in space
