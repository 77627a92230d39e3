"""Who a cue's subject is: the mention sieve.

A subject mention ("Biden", "the veteran goalie", "she", "the ministry", "officials",
"her statement") goes through :data:`MENTION_SIEVE`, an ordered list of small named
resolvers. Each takes the :class:`Mention` (the subject token plus its explicit context:
the article's :class:`~.speakers.Cast` and the speaker of the quote before) and answers
with a :class:`~.speakers.Speaker`, with :data:`~.speakers.NOBODY` (this mention cannot be
anyone who speaks: stop), or with ``None`` (not mine: ask the next resolver). The first
answer wins and its resolver's name becomes the quote's ``rule``. Only people,
organisations and unnamed human sources come out: places as such, products, abstract
nouns, documents nobody issued and bare quantifiers name nobody.

Adding a case is adding a resolver to the list (and words to the language's data files),
not another branch in a ladder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from spacy.tokens import Span, Token

from .speakers import (
    NOBODY,
    NOT_SPEAKERS,
    ORG_LABELS,
    Cast,
    Speaker,
    compatible,
    definite,
    indefinite,
    looks_like_name,
    lost_a_title,
    mistagged_name,
    noun_phrase,
    strip_det,
)
from .vocab import Vocabulary

#: A pronoun with no antecedent: no speaker from the mention, but the quote's context may
#: still say who it is (unlike :data:`NOBODY`).
_UNRESOLVED = Speaker("", "unresolved")

#: How far (tokens) an owner phrase ("a report from X", "a tweet by X") may be looked for.
_MAX_DEPTH = 2
_OWNER_PREPOSITIONS = frozenset({"from", "by", "in"})
#: How far back (tokens, a few paragraphs) "the report" may mean a report introduced earlier.
_DOCUMENT_REACH_TOKENS = 300
#: How far back "the adviser" may mean "an adviser" introduced earlier by its head noun
#: alone (the very same words reach back to the start of the article).
_INTRODUCTION_REACH_TOKENS = 300
#: Entity labels of a name that may have issued a document ("X released a report").
_ISSUER_LABELS = frozenset({"PERSON", "ORG", "NORP", "GPE"})
#: Entity labels of names that never speak themselves.
_NOT_VOICES = frozenset({"LOC", "PRODUCT", "WORK_OF_ART", "LAW", "EVENT", "LANGUAGE"})


@dataclass(frozen=True, slots=True)
class Mention:
    """A subject mention and the context it is resolved in."""

    head: Token
    cast: Cast
    previous: Speaker | None = None
    depth: int = 0

    @property
    def lemma(self) -> str:
        return self.head.lemma_.lower()


MentionResolver = Callable[[Mention], "Speaker | None"]


def resolve_mention(cast: Cast, head: Token, previous: Speaker | None = None, depth: int = 0) -> Speaker | None:
    """The speaker ``head`` stands for; :data:`NOBODY` when no resolver can say who it is
    (so no other rule should guess); None for a pronoun with no antecedent, whom the
    quote's context may still identify."""
    mention = Mention(head, cast, previous, depth)
    for name, resolver in MENTION_SIEVE:
        speaker = resolver(mention)
        if speaker is None:
            continue
        if speaker is NOBODY:
            return NOBODY
        if speaker is _UNRESOLVED:
            return None
        return replace(speaker, rule=speaker.rule or name)
    return NOBODY


def someone(speaker: Speaker | None) -> Speaker | None:
    """``speaker`` unless it is :data:`NOBODY`."""
    return None if speaker is None or speaker is NOBODY else speaker


# -- resolvers, in sieve order ---------------------------------------------------------


def pronoun(m: Mention) -> Speaker | None:
    """he/she → the person the preceding narration is about; they/it → a group or
    organisation that was a recent subject; "who" → what the relative clause hangs on."""
    head, cast = m.head, m.cast
    if head.pos_ != "PRON":
        return None
    lower = head.lower_
    last = m.previous.person if m.previous is not None else None
    vocab = cast.vocab
    if lower in vocab.person_pronouns:
        person = cast.antecedent(head.i, vocab.person_pronouns[lower], last)
        # Unresolved, "he" is still someone: the quote's context may tell who.
        return cast.speaker(person, head, named=False) if person is not None else _UNRESOLVED
    if lower in vocab.plural_pronouns or lower == "it":
        group = cast.group_antecedent(head, plural=lower != "it")
        if group is not None and m.depth < _MAX_DEPTH:
            found = resolve_mention(cast, group, m.previous, m.depth + 1)
            return found if found is not None else NOBODY
        if m.previous is not None and m.previous.kind in {"organization", "source"}:
            return replace(m.previous, rule="")
        return _UNRESOLVED
    if lower in {"who", "that", "which"} and head.head.dep_ == "relcl" and m.depth < _MAX_DEPTH:
        found = resolve_mention(cast, head.head.head, m.previous, m.depth + 1)
        return found if found is not None else NOBODY
    if lower in cast.vocab.group_pronouns:
        return None  # the group resolver's
    return NOBODY  # I, we, you: the writer or a reader, not a source


def group(m: Mention) -> Speaker | None:
    """ "Some of the fans", "those involved", "many" (whatever the tagger calls the word)."""
    if m.head.lower_ not in m.cast.vocab.group_pronouns:
        return None
    return unnamed_group(m)


def unnamed_group(m: Mention) -> Speaker:
    """ "All those involved say", "some of the protesters said": an unnamed group, when the
    phrase says who they are; a bare "some" or "many" names nobody."""
    head, doc = m.head, m.head.doc
    lo, hi = head.left_edge.i, min(head.right_edge.i, head.left_edge.i + 5)
    words = doc[lo : hi + 1]
    if not any(t.pos_ in {"NOUN", "PROPN", "VERB", "ADJ"} for t in words if t.i != head.i):
        return NOBODY
    return Speaker(words.text, "source", None, words.start_char, words.end_char)


def named_person(m: Mention) -> Speaker | None:
    """A mention inside a name the article registered as a person, or the bare surname
    of someone it named that the tagger took for a common noun or a verb ("Hannity started")."""
    head, cast = m.head, m.cast
    person = cast.person_in_phrase(head)
    if person is not None and head.pos_ == "NOUN" and head.is_lower and cast.person_at(head) is None:
        # "The Keller campaign said", "a Keller spokeswoman said": the name modifies a
        # common noun, and the campaign or the spokeswoman speaks, not Keller.
        return None
    if person is None and mistagged_name(head):
        # Also at the start of a sentence: a surname the article gave in full
        # ("David Waters ... Waters tweeted") is the person, whatever else it spells.
        person = cast.person_named(head.text)
        person = person if person is not None and len(person.name) > 1 else None
    return cast.speaker(person, head, named=True) if person is not None else None


def apposition(m: Mention) -> Speaker | None:
    """ "The city engineer, Maria Lopez, said": the name in apposition to the subject,
    also when the entity recognizer did not take it for a person."""
    person = m.cast.person_in_phrase(m.head, frozenset({"appos"}))
    if person is not None:
        return m.cast.speaker(person, m.head, named=True)
    if m.head.pos_ != "NOUN":
        return None
    name = next((c for c in m.head.children if c.dep_ == "appos" and c.pos_ == "PROPN"), None)
    found = proper_name(replace(m, head=name)) if name is not None else None
    return found if found is not None and found is not NOBODY and found.kind == "person" else None


def not_a_speaker(m: Mention) -> Speaker | None:
    """Dates, amounts and counts never speak."""
    return NOBODY if m.head.ent_type_ in NOT_SPEAKERS else None


def acronym(m: Mention) -> Speaker | None:
    """ "IRCC said": an acronym is an organisation (spelled out when the article did)."""
    head = m.head
    if head.pos_ != "PROPN":
        return None
    phrase = noun_phrase(head)
    words = m.cast.name_words(phrase.text)
    if len(words) == 1 and words[0].isupper() and len(words[0]) > 1:
        return m.cast.organization(words[0], phrase)
    return None


def proper_name(m: Mention) -> Speaker | None:
    """A capitalised name: a person already named (by surname or full name), an
    organisation by its label or its words, else a person new to the article."""
    head, cast = m.head, m.cast
    if head.pos_ != "PROPN":
        return None
    phrase = noun_phrase(head)
    words = cast.name_words(phrase.text)
    if not looks_like_name(words):
        return None
    known = cast.person_named(words[-1], cast.title_gender(phrase)) if len(words) == 1 else None
    if known is None and len(words) > 1:
        known = next((p for p in cast.people if len(p.name) > 1 and compatible(p.name, words)), None)
    if known is not None:
        return cast.speaker(known, head, named=True, span=phrase)
    if head.ent_type_ in ORG_LABELS or cast.vocab.has_org_noun(words):
        # A company's name keeps a word that is a title elsewhere ("General Motors").
        return cast.organization(
            strip_det(phrase.text) if lost_a_title(phrase, words, cast.vocab.titles) else " ".join(words), phrase
        )
    if head.ent_type_ in _NOT_VOICES or cast.function_word(words, head):
        return NOBODY
    person = cast.add_person(words, head, phrase)
    return cast.speaker(person, head, named=True, span=phrase)


def document_owner(m: Mention) -> Speaker | None:
    """ "Her statement said", "the PBO report found", "a report from the institute", "a
    statement e-mailed by X": whoever the phrase says issued the document, or, for "the
    report" / "the statement", whoever issued the one introduced a little earlier ("X said
    in a statement"). A document with no owner either way names nobody: guessing the
    organisation or person named last was wrong more often than right."""
    head, cast = m.head, m.cast
    if m.lemma not in cast.vocab.document_nouns:
        return None
    owner = _owner(head, cast.vocab.issuing_verbs)
    if owner is None and definite(head, possessive=False):
        owner = _earlier_owner(head, cast.vocab)
    if owner is None or m.depth >= _MAX_DEPTH:
        return NOBODY
    found = someone(resolve_mention(cast, owner, m.previous, m.depth + 1))
    return replace(found, rule="document_owner") if found is not None else NOBODY


def _owner(head: Token, issuing_verbs: frozenset[str]) -> Token | None:
    for child in head.children:
        if child.dep_ == "poss" or (child.dep_ == "compound" and child.pos_ == "PROPN"):
            return child
    for child in head.rights:
        if child.dep_ in {"prep", "agent"}:
            preps = [child]
        elif child.dep_ in {"acl", "relcl"} and child.lemma_.lower() in issuing_verbs:
            # "a statement e-mailed by X", "a study which is being released Monday by X"
            # (X issued it), not "documents seen by X"
            preps = [c for c in child.children if c.dep_ in {"prep", "agent"}]
        else:
            preps = []
        for prep in preps:
            if prep.lower_ in _OWNER_PREPOSITIONS:
                obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
                if obj is not None:
                    return obj
    return None


def _earlier_owner(head: Token, vocab: Vocabulary) -> Token | None:
    """ "The report said" after "Philip Cross wrote in a report for the institute": the
    owner of the nearest earlier mention of the same kind of document that had one, given
    by its own phrase ("a report from X"), by the verb it was said or written in ("X said
    in a statement") or by the verb that issued it ("X released a study")."""
    lemma = head.lemma_.lower()
    for t in reversed(head.doc[max(0, head.i - _DOCUMENT_REACH_TOKENS) : head.i]):
        if t.lemma_.lower() != lemma or t.pos_ not in ("NOUN", "PROPN"):
            continue
        owner = _owner(t, vocab.issuing_verbs) or _issuer(t, vocab)
        if owner is not None:
            return owner
    return None


def _issuer(doc_noun: Token, vocab: Vocabulary) -> Token | None:
    """Who said or wrote a document ("X said in a statement", "X wrote in a report") or
    issued it ("X released a report")."""
    verb = doc_noun.head
    if doc_noun.dep_ == "pobj" and verb.lower_ == "in" and verb.dep_ == "prep":
        verb = verb.head
        if verb.lemma_.lower() not in vocab.speech_verbs and verb.lemma_.lower() not in vocab.issuing_verbs:
            return None
    elif doc_noun.dep_ != "dobj" or verb.lemma_.lower() not in vocab.issuing_verbs:
        return None
    subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    # Only a named issuer: "the school released a study" would be resolved to whichever
    # organisation was named last.
    if subject is None or not (subject.ent_type_ in _ISSUER_LABELS or subject.pos_ == "PROPN"):
        return None
    return subject


def organisation(m: Mention) -> Speaker | None:
    """An entity the tagger calls an organisation, nationality, place or facility
    ("Ottawa said", "the Liberals said"): a body speaking."""
    head = m.head
    if head.ent_type_ not in ORG_LABELS:
        return None
    return m.cast.organization(strip_det(noun_phrase(head).text), noun_phrase(head))


def _possessed_body(m: Mention, poss: Token, phrase: Span) -> Speaker:
    """ "Trudeau's office said", "her campaign said": the office of whoever the possessive
    names, never the organisation named last (which is someone else's). A pronoun is
    resolved to its person first ("her office" -> "Jody Wilson-Raybould's office"); one
    that cannot be resolved names nobody."""
    cast = m.cast
    if poss.pos_ != "PRON":
        return cast.organization(strip_det(phrase.text), phrase)
    owner = someone(resolve_mention(cast, poss, m.previous, m.depth + 1)) if m.depth < _MAX_DEPTH else None
    if owner is None or owner.kind not in ("person", "organization"):
        return NOBODY
    rest = phrase.doc[poss.right_edge.i + 1 : phrase.end].text
    return Speaker(f"{owner.name}'s {rest}", "organization", None, phrase.start_char, phrase.end_char)


def org_description(m: Mention) -> Speaker | None:
    """ "The ministry said": the ministry named earlier, else the description itself.
    A bare plural ("Freight companies said", "Banks said") is several bodies nobody
    named: an unnamed source, not one organisation; a possessed one ("her office said")
    is its owner's."""
    head, cast = m.head, m.cast
    if m.lemma not in cast.vocab.org_nouns:
        return None
    if head.tag_ == "NNS" and not any(c.dep_ in ("det", "poss") for c in head.children):
        return _source(head)
    phrase = noun_phrase(head)
    poss = next((c for c in head.children if c.dep_ == "poss"), None)
    if poss is not None:
        return _possessed_body(m, poss, phrase)
    if any(c.dep_ == "compound" and c.pos_ == "PROPN" for c in head.children):
        # "The Trump campaign said", "the Sanders campaign": the phrase names the body;
        # the name inside it is whose body it is, not who speaks.
        return cast.organization(strip_det(phrase.text), phrase)
    if definite(head):
        named = cast.recent_org(phrase.start, m.lemma)
        if named is not None:
            return Speaker(named, "organization", None, phrase.start_char, phrase.end_char)
    return cast.organization(strip_det(phrase.text), phrase)


def owned_body(m: Mention) -> Speaker | None:
    """ "Cisco's Talos security unit said": a body of a named organisation (a noun that
    can name a group of people, possessed by the organisation) speaks for it; "Trump's
    positions" or "the agency's database" do not."""
    head, vocab = m.head, m.cast.vocab
    if head.pos_ != "NOUN" or m.lemma not in vocab.group_nouns or m.lemma in vocab.document_nouns:
        return None
    poss = next((c for c in head.children if c.dep_ == "poss"), None)
    if poss is None or poss.ent_type_ != "ORG":
        return None
    return _possessed_body(m, poss, noun_phrase(head))


def unnamed_source(m: Mention) -> Speaker | None:
    """ "Officials said", "an official with the agency said": an unnamed source, named
    with the body it speaks for when the phrase says so."""
    head = m.head
    if m.lemma not in m.cast.vocab.source_nouns or not (head.tag_ in {"NNS", "NNPS"} or indefinite(head)):
        return None
    return _source(head)


_AFFILIATION = frozenset({"for", "with", "at", "from", "of", "in"})
_AFFILIATION_TOKENS = 8


def _source(head: Token) -> Speaker:
    """An unnamed source: "officials", "a spokesperson for Health Canada"."""
    phrase = noun_phrase(head)
    end = phrase.end
    prep = next((c for c in head.rights if c.dep_ == "prep" and c.lower_ in _AFFILIATION), None)
    if (
        prep is not None
        and prep.right_edge.i - head.i <= _AFFILIATION_TOKENS
        and any(c.dep_ == "pobj" for c in prep.children)
    ):
        end = prep.right_edge.i + 1
    span = head.doc[phrase.start : end]
    return Speaker(strip_det(span.text), "source", None, span.start_char, span.end_char)


def role_noun(m: Mention) -> Speaker | None:
    """ "The US president said": the person the article gave that role (not a relative:
    "the father said" is someone new; "the senators" are several people, none of them
    one named person)."""
    if m.lemma in m.cast.vocab.kin_nouns or _anonymous(m) or _plural(m.head) or indefinite(m.head):
        return None  # "a Carrier executive", "one district leader": someone not named
    person = m.cast.by_role(m.lemma, m.head)
    if person is None:
        return None
    return m.cast.speaker(person, m.head, named=False, role=strip_det(noun_phrase(m.head).text))


def description(m: Mention) -> Speaker | None:
    """ "The 26-year-old said": the person the story is about just now (not a relative
    or "the man", who are someone new, not a source noun, and not "the two lawmakers",
    who are several people)."""
    head, cast = m.head, m.cast
    vocab = cast.vocab
    if (
        not (definite(head, possessive=False) and head.tag_ == "NN")
        or m.lemma in vocab.source_nouns
        or m.lemma in vocab.kin_nouns
        or _anonymous(m)
        or not _names_a_person(m)
    ):
        return None
    if _introduced(head) is not None:
        # "said a senior Cruz adviser" ... "said the senior Cruz adviser": the same
        # unnamed person again, not whoever was named in between.
        return _source(head)
    last = m.previous.person if m.previous is not None else None
    # "The New York businessman" is not the woman quoted just before.
    person = cast.antecedent(head.i, vocab.noun_genders.get(m.lemma), last)
    if person is None or cast.other_rank(person, m.lemma, head):
        return None  # "The president said" is not Vice President Biden, named just before
    return cast.speaker(person, head, named=False, role=strip_det(noun_phrase(head).text))


def _introduced(head: Token) -> Token | None:
    """The indefinite mention ("a senior adviser") that introduced the person a definite
    description ("the senior adviser") names again: with the same head noun a few
    paragraphs back at most, with the very same words anywhere before."""
    lemma = head.lemma_.lower()
    words = _description_words(head)
    for t in reversed(head.doc[: head.i]):
        if t.pos_ != "NOUN" or t.lemma_.lower() != lemma or not indefinite(t):
            continue
        if head.i - t.i <= _INTRODUCTION_REACH_TOKENS or _description_words(t) == words:
            return t
    return None


def _description_words(head: Token) -> tuple[str, ...]:
    """The words of a description without its determiner: "senior cruz adviser"."""
    return tuple(t.lower_ for t in noun_phrase(head) if t.dep_ != "det" and t.i <= head.i)


def _plural(head: Token) -> bool:
    return head.tag_ in {"NNS", "NNPS"}


#: Modifiers that leave "the man" anonymous ("a young woman", "the other man").
_PLAIN_MODIFIERS = frozenset({"young", "old", "older", "elderly", "other", "another", "unidentified", "unnamed"})


def _anonymous(m: Mention) -> bool:
    """ "The man", "a young woman": someone the story has not named. Anything more
    ("the first lady", "the man who built his career on ...") may describe its person."""
    if m.lemma not in m.cast.vocab.anonymous_nouns:
        return False
    return all(
        c.dep_ in {"det", "punct"} or (c.dep_ == "amod" and c.lower_ in _PLAIN_MODIFIERS) for c in m.head.children
    )


def _names_a_person(m: Mention) -> bool:
    """A common noun that can stand for a person: a title or role ("the minister"), an
    agent noun ("the organiser"), an age ("the 26-year-old"); not "the findings"."""
    vocab, lemma = m.cast.vocab, m.lemma
    parts = lemma.split("-")
    return (
        lemma in vocab.person_nouns
        or any(p in vocab.titles or p in vocab.person_nouns for p in parts)
        or _agent_noun(m)
        or "year-old" in noun_phrase(m.head).text.lower()
        or any(lemma in p.roles for p in m.cast.people)
    )


def _agent_noun(m: Mention) -> bool:
    """A noun with the ending of one for a person ("the organiser", "caucusgoers"), unless
    WordNet knows it as a thing ("the river", "the computer")."""
    vocab, lemma = m.cast.vocab, m.lemma
    return (
        m.head.pos_ == "NOUN"
        and lemma not in vocab.document_nouns
        and lemma not in vocab.org_nouns
        and lemma not in vocab.thing_nouns
        and any(lemma.endswith(sfx) and len(lemma) > len(sfx) + 1 for sfx in vocab.person_suffixes)
    )


def source_noun(m: Mention) -> Speaker | None:
    """ "The lawyer said", "protesters said", "several friends said" with nobody to link
    them to: an unnamed source (a source, person, title or kin noun, or a common noun
    with a suffix that names people: -er, -ist, -ian)."""
    vocab = m.cast.vocab
    if m.head.pos_ != "NOUN":
        return None
    if not (m.lemma in vocab.source_nouns or m.lemma in vocab.kin_nouns or _names_a_person(m)):
        return None
    return _source(m.head)


def proper_noun(m: Mention) -> Speaker | None:
    """A capitalised name the entity layer did not recognise and that does not read like
    a name of the usual shape ("de Blasio", "Pew"): still someone, unless the tagger
    calls it a place, product, work or law."""
    head = m.head
    if head.pos_ != "PROPN" or head.ent_type_ in _NOT_VOICES:
        return None
    phrase = noun_phrase(head)
    if m.cast.function_word(m.cast.name_words(phrase.text), head):
        return NOBODY
    name = " ".join(m.cast.name_words(phrase.text)) or strip_det(phrase.text)
    kind = "organization" if head.ent_type_ in ORG_LABELS else "person"
    return Speaker(name, kind, None, phrase.start_char, phrase.end_char)


#: The mention sieve, most specific first. Anything left unanswered names nobody.
MENTION_SIEVE: tuple[tuple[str, MentionResolver], ...] = (
    ("pronoun", pronoun),
    ("group", group),
    ("named_person", named_person),
    ("apposition", apposition),
    ("not_a_speaker", not_a_speaker),
    ("acronym", acronym),
    ("proper_name", proper_name),
    ("document_owner", document_owner),
    ("organisation", organisation),
    ("org_description", org_description),
    ("owned_body", owned_body),
    ("unnamed_source", unnamed_source),
    ("role_noun", role_noun),
    ("description", description),
    ("source_noun", source_noun),
    ("proper_noun", proper_noun),
)
