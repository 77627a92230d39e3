"""Cue verbs: the words that tell a reader someone is being quoted.

The list (``lang/<code>/speech_verbs.txt``) only nominates candidates; the dependency
parse decides whether a cue really introduces speech (it needs a clausal complement, a
quotation, or a subject to speak). Lemmas are matched as spaCy hashes so that finding
candidates in a document is one vectorised pass over its lemma column instead of a Python
loop over tokens.
"""

from __future__ import annotations

import numpy as np
from spacy.attrs import LEMMA, POS
from spacy.symbols import VERB as VERB_ID
from spacy.tokens import Doc

from .vocab import Vocabulary


def cue_positions(doc: Doc, vocab: Vocabulary) -> list[int]:
    """Token indices whose lemma is a speech verb and whose tag is verbal."""
    if not len(doc):
        return []
    arr = doc.to_array([LEMMA, POS])
    hits = np.isin(arr[:, 0], vocab.speech_hashes)
    if not hits.any():
        return []
    hits &= arr[:, 1] == VERB_ID
    return [int(i) for i in np.flatnonzero(hits)]
