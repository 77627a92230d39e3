"""The word lists attribution reads, for one language, gathered once.

Every rule that asks "is this a speech verb / a title / an organisation word?" asks a
:class:`Vocabulary`; the words themselves live in ``briefings/lang/<code>/*.txt``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from spacy.strings import hash_string  # type: ignore[attr-defined]  # compiled, untyped

from briefings import lang as lang_data


@dataclass(frozen=True)
class Vocabulary:
    lang: str
    speech_verbs: frozenset[str]
    weak_verbs: frozenset[str]
    finding_verbs: frozenset[str]
    not_reporting_verbs: frozenset[str]
    finding_subjects: frozenset[str]
    titles: frozenset[str]
    male_titles: frozenset[str]
    female_titles: frozenset[str]
    source_nouns: frozenset[str]
    org_nouns: frozenset[str]
    #: "campaign", "administration": a body always someone's, not the organisation named last
    owned_org_nouns: frozenset[str]
    #: "appraisal", "tweet": words someone said, whose quotation may follow the noun
    utterance_nouns: frozenset[str]
    #: "vice", "deputy": a word that makes a role another ("the vice president")
    rank_modifiers: frozenset[str]
    kin_nouns: frozenset[str]
    #: "the man", "a woman": someone the story has not named (never its named person)
    anonymous_nouns: frozenset[str]
    document_nouns: frozenset[str]
    group_pronouns: frozenset[str]
    person_suffixes: frozenset[str]
    #: nouns with such an ending that are things, not people ("river", "computer"), from WordNet
    thing_nouns: frozenset[str]
    #: "led", "based": ends of "Trump-led", "Toronto-based", no part of a name
    modifier_suffixes: frozenset[str]
    #: nouns that name a person: the hand-kept roles and WordNet's person nouns
    #: (``wordnet_person_nouns.txt``), less those that name an organisation or a document
    person_nouns: frozenset[str]
    #: nouns with a sense that is a group of people ("unit", "bureau"), from WordNet
    group_nouns: frozenset[str]
    #: role noun -> "m" / "f" where the noun says so ("businessman", ``gendered_nouns.txt``)
    noun_genders: dict[str, str]
    #: pronoun -> "m" / "f", and those of them that can be a cue's subject or object
    gendered: dict[str, str]
    person_pronouns: dict[str, str]
    #: given name -> "m" / "f" where the name says so (``given_names.txt``)
    given_genders: dict[str, str]
    plural_pronouns: frozenset[str]
    first_second_pronouns: frozenset[str]
    question_words: frozenset[str]
    issuing_verbs: frozenset[str]
    #: speech verbs that take no object ("argued", not "told"): a name right after one
    #: can only be its inverted subject (``reporting_verbs.txt``, base forms)
    objectless_verbs: frozenset[str]
    #: verb -> the complement shapes that carry what was said ("urged X to Y"),
    #: from ``lang/<code>/object_reports.json``
    object_shapes: dict[str, tuple[tuple[str, ...], ...]]
    object_min_tokens: int
    #: lemma hashes of every cue candidate: speech verbs and object-reporting verbs
    speech_hashes: np.ndarray
    gendered_hashes: np.ndarray

    def is_strong(self, lemma: str) -> bool:
        """A cue that marks speech on its own, next to a quotation."""
        return lemma in self.speech_verbs and lemma not in self.weak_verbs and lemma not in self.finding_verbs

    def has_org_noun(self, words: Sequence[str]) -> bool:
        """Whether a name contains an organisation word or phrase ("Foundation", "White House")."""
        low = [w.lower() for w in words]
        if any(w in self.org_nouns for w in low):
            return True
        return any(f"{a} {b}" in self.org_nouns for a, b in zip(low, low[1:]))


@lru_cache(maxsize=None)
def vocabulary(lang: str = "en") -> Vocabulary:
    """The vocabulary of ``lang``, read from its data files once per process."""

    def w(name: str) -> frozenset[str]:
        return lang_data.words(lang, name)

    speech = w("speech_verbs")
    not_people = w("org_nouns") | w("document_nouns")
    objects = lang_data.table(lang, "object_reports")
    object_verbs = objects["verbs"]
    return Vocabulary(
        lang=lang,
        speech_verbs=speech,
        weak_verbs=w("weak_verbs"),
        finding_verbs=w("finding_verbs"),
        not_reporting_verbs=w("not_reporting_verbs"),
        finding_subjects=w("finding_subjects"),
        titles=w("titles"),
        male_titles=w("male_titles"),
        female_titles=w("female_titles"),
        source_nouns=w("source_nouns"),
        org_nouns=w("org_nouns"),
        owned_org_nouns=w("owned_org_nouns"),
        rank_modifiers=w("rank_modifiers"),
        utterance_nouns=w("utterance_nouns"),
        kin_nouns=w("kin_nouns"),
        anonymous_nouns=w("anonymous_nouns"),
        document_nouns=w("document_nouns"),
        group_pronouns=w("group_pronouns"),
        person_suffixes=w("person_suffixes"),
        thing_nouns=w("wordnet_thing_nouns"),
        modifier_suffixes=w("modifier_suffixes"),
        person_nouns=w("person_nouns") | (w("wordnet_person_nouns") - not_people),
        group_nouns=w("wordnet_group_nouns"),
        noun_genders=dict(e.split() for e in w("gendered_nouns")),
        gendered={e.split()[0]: e.split()[1] for e in w("gendered_pronouns")},
        person_pronouns={e.split()[0]: e.split()[1] for e in w("gendered_pronouns") if e.endswith(" subject")},
        given_genders=dict(e.split() for e in w("given_names")),
        plural_pronouns=w("plural_pronouns"),
        first_second_pronouns=w("first_second_pronouns"),
        question_words=w("question_words"),
        issuing_verbs=w("issuing_verbs"),
        objectless_verbs=frozenset(e.split()[0] for e in w("reporting_verbs")),
        object_shapes={v: tuple(tuple(shape) for shape in e["shapes"]) for v, e in object_verbs.items()},
        object_min_tokens=int(objects["min_tokens"]),
        speech_hashes=np.fromiter((hash_string(v) for v in speech | set(object_verbs)), dtype=np.uint64),
        gendered_hashes=np.fromiter((hash_string(e.split()[0]) for e in w("gendered_pronouns")), dtype=np.uint64),
    )
