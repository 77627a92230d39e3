"""Extractive summaries: pick the few sentences that carry a story, in article order.

News puts the story first, so the summary trusts the lead: the first three *usable*
sentences (see :mod:`briefings.sentences`), i.e. the lead with what cannot stand alone
skipped (a caption, a byline, a teaser question, a dateline, a quotation with no
speaker, a fragment that leans on a sentence not shown). Measured on news never tuned
on, a ranker free to reach far down the article did worse than the plain lead
(CNN/DailyMail held out: 41.46 vs Lead-3 41.84 R-1); a step-shaped position prior keeps
the lead unless another signal is strong. And the summary stays in the lead: for a
summary of N sentences, only the story's first N + 1 sentences may be taken (counted
from its first usable sentence, so a byline or timestamps above it use none of them),
unless the headline points below them. When a lead sentence is unusable the summary is one
sentence shorter rather than padded with one from far down (the highlights a reader
gets from CNN/DailyMail are short: about 50 words against Lead-3's 85); only when
nothing in the lead can be shown does it reach further. Each usable sentence is scored
from four plain signals of the existing parse:

* position: a prior that is flat over the first three usable sentences, then falls off
  steeply;
* centrality: how much of its vocabulary (content lemmas) recurs in other sentences,
  i.e. how much it talks about what the whole article talks about;
* headline overlap: the headline, when known, says what the story is about;
* length: informative sentences are longer, up to a point.

Sentences are then taken greedily by score, skipping near-duplicates of sentences
already taken (CNN/DailyMail repeats captions verbatim) and sentences that need
something the summary lacks (their predecessor, or an antecedent for an opening pronoun).
Everything is linear in the number of sentences except the duplicate check against the
few sentences already chosen.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass

from spacy.attrs import LEMMA, LOWER
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from briefings.sentences import Candidate, candidates


@dataclass(frozen=True)
class Weights:
    """How much each signal counts.

    The defaults follow the module doc's reasoning; ``bench/summary_bootstrap.py``
    judges a change against Lead-3 with a paired bootstrap on CNN/DailyMail and BBC
    stories together (the only changes kept were significant or simplified).
    """

    position: float = 1.0
    centrality: float = 0.2
    #: The headline is the one signal strong enough to pull a sentence from below the
    #: lead: BBC News +3.1 R-1 over Lead-3 at 2.5, +1.7 at 1.5, -0.1 without it
    #: (CNN/DailyMail stories come without one, so there the usable lead stands).
    headline: float = 2.5
    length: float = 0.0
    #: Position prior 1 / (1 + (rank / decay) ** shape), rank counting usable sentences
    #: only (captions and furniture do not push the story down): half weight at
    #: ``decay``, and with a high ``shape`` nearly a step: the lead, then little.
    decay: float = 3.5
    shape: float = 8.0
    #: Sentences shorter than this many words are penalised in proportion.
    full_length: int = 20
    #: Centrality is a sum over a sentence's content lemmas divided by their count to
    #: this power: 0 favours long sentences, 1 is a plain average.
    damping: float = 0.5
    #: Content overlap (relative to the smaller sentence) that makes two sentences duplicates.
    duplicate: float = 0.6
    #: Score discount per unit of overlap with an already chosen sentence (MMR-style);
    #: off, as it lowered ROUGE on both held-out sets: the duplicate cut-off suffices.
    redundancy: float = 0.0
    #: How far back (in sentences) an antecedent for an opening pronoun may be.
    antecedent_reach: int = 3
    #: The lead: the article's first N + ``lead_slack`` sentences for a summary of N,
    #: counted from the story's first usable sentence (captions and other rejected
    #: sentences after it count, as a reader sees them; a byline split into "By .",
    #: "Jane Abara ." and a timestamp above it does not use the lead up). A sentence
    #: below it is only taken when the headline points to it (at least ``reach`` of the
    #: headline's words); otherwise the summary is the usable part of the lead, shorter
    #: rather than padded with a sentence from far down. Against no window: cnndm-dev
    #: +0.44 R-1 [+0.06, +0.90] and +0.38 R-2 [+0.07, +0.76] (paired bootstrap), bbc-dev
    #: -0.07 [-0.32, +0.16]; chosen on one half and scored on the other
    #: (``bench/summary_cv.py``, 100 halves), CNN/DailyMail +0.16 R-1 (better on 68 of
    #: 100), BBC -0.14: a modest gain, not a large one.
    lead_slack: int = 1
    reach: float = 0.2
    #: A word budget counts as one sentence per this many words, for the lead's length.
    sentence_words: int = 20


DEFAULT_WEIGHTS = Weights()
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


def summarize(
    doc: Doc,
    *,
    sentences: int = 3,
    words: int | None = None,
    title: str | None = None,
    dek: str | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[Span]:
    """The sentences that best summarize ``doc``, in article order.

    ``sentences`` caps the number of sentences; ``words``, when given, is a word budget
    instead (at least one sentence is always returned if any is usable). A sentence
    that repeats the headline or the standfirst (``dek``), both shown above the
    summary, is not spent on it.
    """
    every = candidates(doc)
    pool = [c for c in every if c.usable]
    pool = [c for c in pool if not _repeats(doc, c, title, dek, weights.duplicate)] or pool
    if pool and pool[0].index == 0:
        # The opening sentence has nothing before it to point back to: its pronouns
        # are expletive or cataphoric ("It's not just UV rays that ..."), and its
        # "This"/"But" leans on nothing ("This bundle of joy was ...").
        pool[0].pronoun = None
        pool[0].needs_previous = False
    if not pool or (sentences <= 0 if words is None else words <= 0):
        return []
    heads = _headline_lemmas(doc, pool, title)
    persons = [c.index for c in every if c.has_person]
    scores = _score(pool, heads, weights)
    # The lead starts at the story's first sentence: a byline, timestamps or a caption
    # above it ("By .", "PUBLISHED: 14:52 EST ...") are not sentences of the story.
    opening = next(c.index for c in every if c.usable)
    near = _in_reach(pool, heads, opening + _lead_length(sentences, words, weights), weights)
    chosen = _select([pool[i] for i in near], [scores[i] for i in near], sentences, words, weights, persons)
    if not chosen and len(near) < len(pool):
        # Nothing in the lead can be shown (every sentence leans on one that cannot):
        # below it, rather than no summary at all.
        chosen = _select(pool, scores, sentences, words, weights, persons)
    return [doc[c.start : c.end] for c in sorted(chosen, key=lambda c: c.index)]


def _lead_length(sentences: int, words: int | None, w: Weights) -> int:
    """How many of the article's first sentences count as its lead for this summary."""
    wanted = sentences if words is None else max(1, words // w.sentence_words)
    return wanted + w.lead_slack


def _in_reach(pool: list[Candidate], heads: frozenset[int], lead: int, w: Weights) -> list[int]:
    """Positions in ``pool`` of the lead's sentences and of those below it that the
    headline points to (without a headline: the lead alone)."""
    return [i for i, c in enumerate(pool) if c.index < lead or _headline_share(c, heads) >= w.reach]


def _headline_share(c: Candidate, heads: frozenset[int]) -> float:
    return len(c.content & heads) / len(heads) if heads else 0.0


def _score(pool: list[Candidate], heads: frozenset[int], w: Weights) -> list[float]:
    spread = Counter(lemma for c in pool for lemma in c.content)
    central = [_centrality(c, spread, w.damping) for c in pool]
    top = max(central) or 1.0
    scores = []
    for rank, (c, cent) in enumerate(zip(pool, central)):
        position = 1.0 / (1.0 + (rank / w.decay) ** w.shape)
        length = min(1.0, c.words / w.full_length)
        headline = _headline_share(c, heads)
        scores.append(w.position * position + w.centrality * cent / top + w.headline * headline + w.length * length)
    return scores


def _repeats(doc: Doc, c: Candidate, title: str | None, dek: str | None, threshold: float) -> bool:
    """Whether the sentence says again what the headline or the standfirst says.

    Against the headline the overlap is relative to the sentence (a lead sentence that
    merely uses the headline's words says more than it); against the standfirst,
    relative to the smaller of the two, like any near-duplicate.
    """
    if not c.content:
        return False
    for extra, relative_to_sentence in ((title, True), (dek, False)):
        if not extra:
            continue
        words = _phrase_lemmas(doc[c.start : c.end], extra)
        own = {w.lower() for w in _WORD.findall(extra) if not doc.vocab[w.lower()].is_stop}
        small = len(c.content) if relative_to_sentence else min(len(c.content), len(own) or 1)
        if len(c.content & words) / small >= threshold:
            return True
    return False


def _phrase_lemmas(span: Span, phrase: str) -> frozenset[int]:
    """Content lemmas of ``span`` whose word form (or lemma) the phrase also uses."""
    forms = {get_string_id(m.lower()) for m in _WORD.findall(phrase)}
    forms |= {get_string_id(m) for m in _WORD.findall(phrase)}
    return frozenset(t.lemma for t in span if not t.is_stop and (t.lower in forms or t.lemma in forms))


def _centrality(c: Candidate, spread: Counter, damping: float) -> float:
    """Sum of how many other sentences share each content lemma, damped by length."""
    if not c.content:
        return 0.0
    shared = sum(math.log(spread[lemma]) for lemma in c.content)
    return shared / len(c.content) ** damping


def _headline_lemmas(doc: Doc, pool: list[Candidate], title: str | None) -> frozenset[int]:
    """Content lemmas of the article that the headline also uses (matched by word form)."""
    if not title:
        return frozenset()
    forms = {get_string_id(m.lower()) for m in _WORD.findall(title)}
    forms |= {get_string_id(m) for m in _WORD.findall(title)}
    content = frozenset().union(*(c.content for c in pool))
    lower, lemma = doc.to_array([LOWER, LEMMA]).T.tolist()
    return frozenset(lem for low, lem in zip(lower, lemma) if lem in content and (low in forms or lem in forms))


def _select(
    pool: list[Candidate], scores: list[float], sentences: int, words: int | None, w: Weights, persons: list[int]
) -> list[Candidate]:
    """Greedy picks by score, each pick discounted by its overlap with those already made.

    Sentences that need a chosen neighbour become eligible once it is chosen, so the
    ranking is swept again after every pick.
    """
    order = sorted(range(len(pool)), key=lambda i: -scores[i])
    chosen: list[Candidate] = []
    used = 0
    while not _full(chosen, used, sentences, words):
        best, best_score = None, 0.0
        for i in order:
            c = pool[i]
            if best is not None and scores[i] <= best_score:
                break  # the discount only lowers scores: nothing further down can win
            if c in chosen or not _fits(c, chosen, used, words, w, persons):
                continue
            adjusted = scores[i] - w.redundancy * max((_overlap(c, o) for o in chosen), default=0.0)
            if best is None or adjusted > best_score:
                best, best_score = c, adjusted
        if best is None:
            break
        chosen.append(best)
        used += best.words
    if not chosen and words is not None:
        # Nothing fits the budget: the best sentence that stands alone is still better
        # than an empty summary.
        alone = [i for i in order if not pool[i].needs_previous and not pool[i].pronoun]
        chosen = [pool[alone[0]]] if alone else []
    return chosen


def _full(chosen: list[Candidate], used: int, sentences: int, words: int | None) -> bool:
    if words is not None:
        return used >= words
    return len(chosen) >= sentences


def _fits(c: Candidate, chosen: list[Candidate], used: int, words: int | None, w: Weights, persons: list[int]) -> bool:
    if words is not None and chosen and used + c.words > words:
        return False
    if words is not None and not chosen and c.words > words:
        return False
    if any(_duplicate(c, o, w.duplicate) for o in chosen):
        return False
    before = [o for o in chosen if o.index < c.index]
    if c.needs_previous and not any(o.index == c.index - 1 for o in before):
        return False
    if c.pronoun and any(o.index == c.index - 1 for o in before):
        # Right after the sentence it follows in the article, a pronoun reads as it does
        # there (a lead of three sentences keeps its "She ..."), whoever it points to.
        return True
    if c.pronoun:
        near = max(before, key=lambda o: o.index, default=None)
        if near is None or c.index - near.index > w.antecedent_reach:
            return False
        # "he"/"she" needs a named person in the summary sentence before it, and no other
        # person named in the sentences skipped in between (it would point to them).
        if c.pronoun == "person" and not (
            near.has_person and bisect_right(persons, near.index) == bisect_left(persons, c.index)
        ):
            return False
        # "it"/"they" can point at any noun: only trust the sentence right before it.
        if c.pronoun == "thing" and near.index != c.index - 1:
            return False
    return True


def _overlap(a: Candidate, b: Candidate) -> float:
    """Shared content lemmas relative to the smaller sentence (1.0: one repeats the other)."""
    small = min(len(a.content), len(b.content))
    return len(a.content & b.content) / small if small else 0.0


def _duplicate(a: Candidate, b: Candidate, threshold: float) -> bool:
    return _overlap(a, b) >= threshold
