"""Cue verbs: the words that tell a reader someone is being quoted.

The list only nominates candidates; the dependency parse decides whether a cue really
introduces speech (it needs a clausal complement, a quotation, or a subject to speak).
Lemmas are matched as spaCy hashes so that finding candidates in a document is one
vectorised pass over its lemma column instead of a Python loop over tokens.
"""

from __future__ import annotations

import numpy as np
from spacy.attrs import LEMMA, POS
from spacy.strings import hash_string
from spacy.symbols import VERB as VERB_ID
from spacy.tokens import Doc

#: Verbs of saying, writing and asserting (lemmas).
SPEECH_VERBS = frozenset(
    """
    say tell add assert warn explain note claim argue insist state announce write tweet post
    confirm describe admit acknowledge suggest stress emphasize emphasise report reply respond
    continue testify allege predict indicate maintain comment complain recall reveal urge ask
    deny declare promise vow pledge contend concede caution observe remark quip joke retort
    scoff sniff crow stutter scold mention reiterate repeat inform advise boast brag estimate
    believe think hope fear worry agree disagree point counter charge concur answer recount
    describe elaborate lament muse conclude propose recommend demand question wonder speculate
    acknowledge affirm assure guarantee threaten predict forecast calculate figure reckon
    criticize criticise blast slam accuse praise tout shout yell cry whisper mutter exclaim
    chime interject shoot fire write tweet add call find show echo confess
    """.split()
)

#: Verbs that are cues only with a clausal complement ("X thinks that ..."), never alone
#: before a quotation, because they are as often thoughts or plain actions.
WEAK_VERBS = frozenset(
    """
    believe think hope fear worry agree disagree point question wonder figure reckon shoot
    fire call blast slam praise tout accuse criticize criticise charge estimate calculate
    forecast propose recommend demand concur counter post
    """.split()
)

#: Lemma hashes are the same in every vocabulary, so they are computed once.
_SPEECH_HASHES = np.fromiter((hash_string(w) for w in SPEECH_VERBS), dtype=np.uint64)


def cue_positions(doc: Doc) -> list[int]:
    """Token indices whose lemma is a speech verb and whose tag is verbal."""
    if not len(doc):
        return []
    arr = doc.to_array([LEMMA, POS])
    hits = np.isin(arr[:, 0], _SPEECH_HASHES)
    if not hits.any():
        return []
    hits &= arr[:, 1] == VERB_ID
    return [int(i) for i in np.flatnonzero(hits)]


#: Verbs that report findings rather than speech: cues only for studies, polls, reports
#: and organisations ("a study found that ...", "the poll shows ...").
FINDING_VERBS = frozenset({"find", "show"})


def is_strong(lemma: str) -> bool:
    """A cue that marks speech on its own, next to a quotation."""
    return lemma in SPEECH_VERBS and lemma not in WEAK_VERBS and lemma not in FINDING_VERBS
