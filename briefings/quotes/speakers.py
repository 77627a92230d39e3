"""Who a mention means: one canonical name per person per article.

A news story names a person in full once ("United States president Joe Biden") and
then by surname, title or pronoun ("Biden", "President Biden", "the US president",
"he"). The :class:`Cast` collects the people the article names (from the named-entity
layer), keeps titles and roles apart from names, and resolves later mentions to them
with the rules a reader uses: surname matches, roles seen earlier, and for pronouns the
person the preceding sentences are about. Different people who share a word of their
names ("Kim Jong Un", "Sung Kim") stay apart: names merge only when one is the other's
surname or both agree on every word they share.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from spacy.attrs import DEP, LOWER, POS, SENT_START
from spacy.symbols import PROPN as PROPN_ID
from spacy.tokens import Doc, Span, Token

from .vocab import Vocabulary, vocabulary

_ORG_REACH_TOKENS = 120
_WINDOW_SENTENCES = 4
_DISTANCE_COST = 1.5
_LAST_SPEAKER_BONUS = 1.0
#: Below this score the speaker quoted last is a better guess than any candidate.
_LAST_SPEAKER_FLOOR = -0.5
#: Unanimous pronoun votes it takes to overrule what a given name says of a gender.
_OVERRULING_VOTES = 2
NOT_SPEAKERS = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL"})
ORG_LABELS = frozenset({"ORG", "NORP", "GPE", "FAC"})
#: The dependencies of a clause's subject, active and passive.
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
_POSSESSIVE = re.compile(r"(?:'s|\u2019s|'|\u2019)$")
_BROKEN_HYPHEN = re.compile(r"(\w)- (\w)")
_HYPHEN_END = re.compile(r"(?<=[a-z])-([a-z]+),?$")


@dataclass(slots=True)
class Person:
    """One person the article names; ``name`` is the longest form seen."""

    name: tuple[str, ...]
    mentions: list[tuple[int, int, int]] = field(default_factory=list)  # (token, start, end)
    roles: dict[str, str] = field(default_factory=dict)  # role head -> role phrase
    gender: str | None = None

    @property
    def display(self) -> str:
        return " ".join(self.name)

    def add_role(self, phrase: str) -> None:
        words = phrase.lower().split()
        if words and words[0] not in {"former", "late", "then", "ex"}:
            self.roles.setdefault(words[-1], phrase)


@dataclass(frozen=True, slots=True)
class Speaker:
    """A resolved speaker: canonical name, kind, role, and the mention that names them."""

    name: str
    kind: str
    role: str | None = None
    start: int | None = None
    end: int | None = None
    person: Person | None = None
    rule: str = ""


#: A mention that cannot be anyone's voice: the sieve stops at it and names nobody.
NOBODY = Speaker("", "nobody")


def name_words(text: str, vocab: Vocabulary | None = None) -> tuple[str, ...]:
    """Words of a name with titles, possessives, broken hyphenation and modifier ends
    ("Trump-led") removed."""
    vocab = vocab or vocabulary()
    titles = vocab.titles
    text = _BROKEN_HYPHEN.sub(r"\1-\2", text.strip())
    if text[:1].isupper():
        # "The Billy on the Street star": an article opening the sentence is no part of
        # the name. (A lower-case one inside a sentence stays: "a Model 3" is no name.)
        text = strip_det(text)
    words = [w for w in text.split() if w]
    for k in range(len(words) - 2, -1, -1):
        if _POSSESSIVE.search(words[k]) and words[k][-1] != "'" or words[k].endswith(("'s", "’s")):
            words = words[k + 1 :]  # "Vancouver's Bo Horvat" is Bo Horvat
            break
    for k in range(len(words) - 1, -1, -1):
        end = _HYPHEN_END.search(words[k]) if words[k][:1].isupper() else None
        if end and end.group(1) in vocab.modifier_suffixes:
            # "Donald Trump-led", "San Francisco-based I-DEV International": a name made
            # into a modifier ends at its hyphen; words after it are the name
            if k < len(words) - 1:
                words = words[k + 1 :]
            else:
                words[k] = words[k][: end.start()]
            break
    while words and words[0].lower().strip(",") in titles:
        words.pop(0)
    if words:
        words[-1] = _POSSESSIVE.sub("", words[-1])
    # "Karen Ostrowski-backed" may reach us cut at its hyphen: "Karen Ostrowski-"
    return tuple(w.strip(",").rstrip("-") for w in words if w.strip(",").rstrip("-"))


_NAME_WORD = re.compile(r"^[A-ZÀ-Þ][\w.'’-]*$")


def mistagged_name(tok: Token) -> bool:
    """A capitalised word the tagger took for a common noun or a verb ("Sessions said",
    "Trump shot back"): a name when it is the surname of someone the article names."""
    return tok.pos_ in ("NOUN", "VERB") and tok.is_title and not tok.is_stop


def looks_like_name(words: tuple[str, ...]) -> bool:
    """Capitalised words, not shouted: "ANALYST" or "J.P. MOCZULSKI" are headings and credits."""
    return (
        bool(words)
        and len(words) <= 5
        and all(_NAME_WORD.match(w) for w in words)
        and not any(sum(c.isalpha() for c in w) >= 3 and w.isupper() for w in words)
    )


def _better_name(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
    """The fuller name, except that words merely put in front of a full name ("Crooked
    Hillary Clinton", "Farmer Anna Berg") are epithets or titles, not part of it."""
    short, long_ = (old, new) if len(old) <= len(new) else (new, old)
    if len(short) >= 2 and long_[-len(short) :] == short:
        return short
    return long_


def compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Two multi-word names of the same person: same surname and agreeing given names."""
    if a == b:
        return True
    if a[-1] != b[-1]:
        return False
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    if len(short) >= 2 and long_[-len(short) :] == short:
        return True  # "Farmer Anna Berg" (a title the tagger took for a name) and "Anna Berg"
    fa, fb = a[0].rstrip("."), b[0].rstrip(".")
    return fa == fb or (len(fa) == 1 and fb.startswith(fa)) or (len(fb) == 1 and fa.startswith(fb))


#: Penn tags of a verb with a subject ("says", "explained"): no word of a name.
_FINITE_TAGS = frozenset({"VBZ", "VBD"})
#: A name used as a modifier ("a Sanders supporter", "Trump's campaign") is not its person.
_MODIFIER_DEPS = frozenset({"compound", "poss", "amod", "nmod"})


class Cast:
    """The people of one article and the rules that map mentions onto them."""

    def __init__(
        self,
        doc: Doc,
        quoted: "QuotedText",
        subjects: Iterable[int] = (),
        is_running: Callable[[int], bool] = lambda char: True,
        vocab: Vocabulary | None = None,
    ) -> None:
        self.doc = doc
        self.vocab = vocab = vocab or vocabulary()
        self.quoted = quoted
        self.is_running = is_running
        self.orgs: list[tuple[int, str]] = []  # (token index, name) of organisations named
        self.acronyms: dict[str, str] = {}
        self.people: list[Person] = []
        self._by_token: dict[int, Person] = {}
        self._mentions: list[tuple[int, Person]] = []  # (token index, person), in order
        self._pronoun_memo: dict[tuple[int, str | None, int], Person | None] = {}
        for ent in doc.ents:
            if not is_running(ent.start_char):
                continue
            if ent.label_ == "PERSON":
                self._register(ent)
            elif ent.label_ == "ORG":
                self._register_org(ent)
        for i in subjects:
            self._register_subject(doc[i])
            self._register_described_org(doc[i])
        self.orgs.sort()
        for i in _proper_subjects(doc):
            self._register_subject(doc[i])
        self._register_bare_surnames()
        for p in self.people:
            p.mentions.sort()
        self._mentions.sort(key=lambda m: m[0])
        self._mention_tokens = [m[0] for m in self._mentions]
        self._mention_chars = [doc[m[0]].idx for m in self._mentions]
        self._infer_genders()

    def _infer_genders(self) -> None:
        """Learn a person's gender from the pronouns the article uses after naming them.

        In a sentence that names exactly one person before a "he"/"his" (or "she"/"her"),
        the pronoun most likely refers back to that person. Votes are summed over the
        article, so one odd sentence does not decide. Only narration counts.
        """
        doc = self.doc
        if not self.people or not len(doc):
            return
        arr = doc.to_array([LOWER, SENT_START])
        gendered = self.vocab.gendered
        hits = np.flatnonzero(np.isin(arr[:, 0], self.vocab.gendered_hashes))
        if not len(hits):
            return
        starts = np.flatnonzero(arr[:, 1] == 1)
        votes: dict[int, dict[str, int]] = {}
        for pos in hits.tolist():
            tok = doc[pos]
            if self.quoted.contains(tok.idx):
                continue
            k = int(np.searchsorted(starts, pos, side="right")) - 1
            sent_start = int(starts[k]) if k >= 0 else 0
            lo = bisect_left(self._mention_tokens, sent_start)
            hi = bisect_left(self._mention_tokens, pos)
            people = {id(self._mentions[j][1]): self._mentions[j][1] for j in range(lo, hi)}
            if len(people) != 1:
                continue
            person = next(iter(people.values()))
            tally = votes.setdefault(id(person), {"m": 0, "f": 0})
            tally[gendered[tok.lower_]] += 1
        for person in self.people:
            counts = votes.get(id(person))
            if person.gender is not None or not counts or counts["m"] == counts["f"]:
                continue
            voted = "m" if counts["m"] > counts["f"] else "f"
            prior = self.gender_of(person)
            # A pronoun can mean someone named a sentence earlier, so votes against the
            # given name count only when they are several and all agree ("Lindsey Graham").
            if prior in (None, voted) or (min(counts.values()) == 0 and max(counts.values()) >= _OVERRULING_VOTES):
                person.gender = voted

    # -- building ---------------------------------------------------------------------
    def _register(self, ent: Span) -> None:
        start, end = ent.start, ent.end
        doc = self.doc
        # Rejoin a name broken at a hyphen ("Moon Jae- in").
        if end + 1 < len(doc) and doc[end].text.endswith("-") and doc[end].text[:1].isupper():
            end += 2
        # A name never runs over a line break ("... Justin Trudeau\n\nTrudeau urged").
        for k in range(start, end - 1):
            if "\n" in doc[k].whitespace_ or doc[k].is_space:
                end = k + 1 if not doc[k].is_space else k
                break
        start, end = self._trim_name(start, end)
        if end <= start:
            return
        span = doc[start:end]
        words = self.name_words(span.text)
        if not looks_like_name(words):
            return
        vocab = self.vocab
        if len(words) > 1 and words[0].lower() in vocab.org_nouns:
            self.orgs.append((span.root.i, " ".join(words)))  # "Studio Schicketanz": a firm
            return
        gender = self.title_gender(doc[max(0, start - 1) : start + 1])
        person = self._find_or_add(words, start, gender)
        if gender is not None and self.gender_of(person) in (None, gender):
            person.gender = gender
        role = role_before(doc, start, vocab.titles)
        if role:
            person.add_role(role)
        appos = appos_role(span.root)
        if appos:
            person.add_role(appos)
        self._add_mention(person, span.root.i, span, narration=not self.quoted.contains(span.start_char))

    def _trim_name(self, start: int, end: int) -> tuple[int, int]:
        """The name inside a person entity the tagger drew over a headline's speech verb
        after it ("Obama Says ...", "Dennis Prager Tells ...")."""
        doc, vocab = self.doc, self.vocab
        for k in range(start + 1, end):
            if doc[k].tag_ in _FINITE_TAGS and doc[k].lemma_.lower() in vocab.speech_verbs:
                return start, k
        return start, end

    def _add_mention(self, person: Person, head: int, span: Span, narration: bool) -> None:
        """Record that ``span`` (headed by token ``head``) names ``person``: among their
        mentions, for each token it covers, and, when it is ``narration`` (not inside
        quotation marks), in the story's mentions that pronouns look back through."""
        person.mentions.append((head, span.start_char, span.end_char))
        for t in range(span.start, span.end):
            self._by_token[t] = person
        if narration:
            self._mentions.append((head, person))

    def _register_org(self, ent: Span) -> None:
        name = strip_det(ent.text)
        name = _POSSESSIVE.sub("", name)
        if self.quoted.contains(ent.start_char) or not name:
            return
        if ent.root.dep_ not in _MODIFIER_DEPS and (
            self._surname_of_someone_named(name, ent.start) or self._introduced_by_role(ent, name)
        ):
            self._register(ent)  # "Brandt added ..." tagged ORG after "Mayor Alicia Brandt"
            return
        if name.islower():
            # "the federal department" tagged as a name: a description of a body, perhaps
            # of the one named just before it
            name = self._named_earlier_in_sentence(ent.root) or name
        initials = "".join(
            w[0]
            for w in re.findall(r"[A-Za-z][\w'’-]*", name)
            if w[0].isupper() and w.lower() not in {"of", "and", "the", "for"}
        )
        if len(initials) >= 2 and not name.isupper():
            self.acronyms.setdefault(initials, name)
        self.orgs.append((ent.root.i, name))

    def _register_bare_surnames(self) -> None:
        """A surname the entity tagger left untagged ("the issue of Musk's personal
        communications"), or the tagger took for a common noun or a verb ("Sessions
        said", "Trump shot back"), is still a mention of the one person named in full
        before it with that surname: without it, a later "he" skips the person the story
        is about."""
        surnames: dict[str, list[Person]] = {}
        for p in self.people:
            if len(p.name) > 1:
                surnames.setdefault(p.name[-1], []).append(p)
        for tok in self.doc:
            owners = surnames.get(tok.text)
            if (
                owners is None
                or len(owners) != 1
                or not (tok.pos_ == "PROPN" or mistagged_name(tok))
                or tok.ent_type_ not in ("", "PERSON")
                or tok.i in self._by_token
                or self.quoted.contains(tok.idx)
                or not self.is_running(tok.idx)
            ):
                continue
            person = owners[0]
            if any(m[0] < tok.i for m in person.mentions):
                self._add_mention(person, tok.i, self.doc[tok.i : tok.i + 1], narration=True)

    def _introduced_by_role(self, ent: Span, name: str) -> bool:
        """A person's name the entity tagger took for an organisation, given away by the
        role word in front of it: "Fox News host Sean Hannity", "economist Philip Cross".
        A given name first, two or three words and no word of an organisation's name, so
        "Morgan Stanley" or "Tim Hortons" with no role before them stay bodies."""
        words = self.name_words(name)
        if not 2 <= len(words) <= 3 or words[0].lower() not in self.vocab.given_genders:
            return False
        if self.vocab.has_org_noun(words) or not looks_like_name(words) or ent.start == 0:
            return False
        before = self.doc[ent.start - 1]
        return (before.is_lower and before.lemma_ in self.vocab.person_nouns) or (
            before.lower_.rstrip(".") in self.vocab.titles
        )

    def _surname_of_someone_named(self, name: str, at: int) -> bool:
        """A one-word "organisation" that is the surname of a person named earlier: the
        entity tagger's slip, the person again."""
        words = self.name_words(name)
        if len(words) != 1 or name.isupper():
            return False
        person = self._single(words[0], at)
        return (
            person is not None
            and len(person.name) > 1
            and person.name[-1] == words[0]
            and any(m[0] < at for m in person.mentions)
        )

    def name_words(self, text: str) -> tuple[str, ...]:
        return name_words(text, self.vocab)

    def _register_described_org(self, head: Token) -> None:
        """ "The regional water authority said": a body described rather than named, so
        that "the authority" later means it."""
        if (
            head.pos_ != "NOUN"
            or head.lemma_.lower() not in self.vocab.org_nouns
            or self.quoted.contains(head.idx)
            or not self.is_running(head.idx)
        ):
            return
        named = self._named_earlier_in_sentence(head)
        if named is not None:
            # "a letter from Immigration Canada informing them that the federal department
            # has concerns": the body named just before, under another description.
            self.orgs.append((head.i, named))
            return
        name = strip_det(noun_phrase(head).text)
        if " " in name:
            self.orgs.append((head.i, name))

    def _named_earlier_in_sentence(self, head: Token) -> str | None:
        """The organisation named last before a definite description of a body ("the
        department") in a clause that governs the description's ("a letter from IRCC
        informing them that the federal department has concerns"). Not when the
        description's head noun already names a body ("the board" after "the editorial
        board"), and not when the two are coordinated ("Health Canada and the provincial
        ministry" are two bodies)."""
        if head.dep_ == "conj" or any(c.dep_ == "conj" for c in head.children):
            return None
        if not any(c.lower_ == "the" and c.dep_ == "det" for c in head.children):
            return None
        if any(tok < head.i and self._known_as(tok, name, head.lower_) for tok, name in self.orgs):
            return None
        ancestors = {t.i for t in head.ancestors}
        start = head.sent.start
        named = [
            (tok, name)
            for tok, name in self.orgs
            if start <= tok < head.i
            and self.doc[tok].ent_type_ == "ORG"
            and self.doc[tok].dep_ not in _MODIFIER_DEPS  # not "the Sanders campaign"
            and not name.islower()
            and _clause(self.doc[tok]) in ancestors
        ]
        return max(named)[1] if named else None

    def person_named(self, word: str, gender: str | None = None) -> Person | None:
        """The person a bare surname (or given name) means, if the article names one."""
        return self._single(word, None, gender)

    def org_name(self, name: str) -> str:
        """An acronym the article spelled out ("IRCC") becomes the full name."""
        return self.acronyms.get(name, name)

    def _register_subject(self, head: Token) -> None:
        """A proper-noun speaker the entity layer missed or took for an organisation.

        Speech verbs have people for subjects far more often than anything else, so a
        capitalised name that is not an acronym, has no article and no organisation
        word is taken for a person ("Lonechild said", which the tagger calls an ORG).
        """
        if (
            head.pos_ != "PROPN"
            or head.i in self._by_token
            or self.quoted.contains(head.idx)
            or not self.is_running(head.idx)
        ):
            return
        phrase = noun_phrase(head)
        if head.ent_type_ in {"GPE", "NORP", "FAC", "LOC"} | NOT_SPEAKERS or phrase[0].lower_ == "the":
            return
        words = self.name_words(phrase.text)
        if not words or len(words) > 4 or self.vocab.has_org_noun(words):
            return
        if head.ent_type_ == "ORG" and lost_a_title(phrase, words, self.vocab.titles):
            return  # "General Motors", "General Mills": a company's name, not "Mr. Motors"
        if any(w.isupper() and len(w) > 1 for w in words) or not looks_like_name(words):
            return
        if self.function_word(words, head) and self.person_named(words[0]) is None:
            return
        person = self._find_or_add(words, head.i, self.title_gender(phrase))
        self._add_mention(person, head.i, phrase, narration=True)

    def function_word(self, words: tuple[str, ...], head: Token) -> bool:
        """A lone function word the tagger took for a name at the start of a sentence
        ("Much of Beck's ire was directed at ..."): nobody new, unless it is also a given
        name ("Will said") or the article already names someone so."""
        return len(words) == 1 and head.is_stop and words[0].lower() not in self.vocab.given_genders

    def add_person(self, words: tuple[str, ...], head: Token, phrase: Span) -> Person:
        """A person first met as a cue's subject ("Lonechild said")."""
        person = self._find_or_add(words, head.i)
        person.mentions.append((head.i, phrase.start_char, phrase.end_char))
        return person

    def title_gender(self, tokens: Iterable[Token]) -> str | None:
        """ "m" or "f" when one of ``tokens`` is a title that says so ("Mrs.", "Sen." says neither)."""
        for t in tokens:
            if t.lower_ in self.vocab.male_titles:
                return "m"
            if t.lower_ in self.vocab.female_titles:
                return "f"
        return None

    def gender_of(self, person: Person) -> str | None:
        """The person's gender as the article shows it (titles, pronouns), else as their
        given name says, else unknown."""
        if person.gender is not None or len(person.name) < 2:
            return person.gender
        return self.vocab.given_genders.get(person.name[0].lower())

    def _find_or_add(self, words: tuple[str, ...], at: int | None = None, gender: str | None = None) -> Person:
        if len(words) == 1:
            hit = self._single(words[0], at, gender)
            if hit is not None:
                return hit
        else:
            for p in self.people:
                if len(p.name) > 1 and compatible(p.name, words):
                    p.name = _better_name(p.name, words)
                    return p
            # A surname seen alone before, now given in full (not "Michelle Obama" after
            # "Mr. Obama": a given name that says the other gender is someone else).
            named = self.vocab.given_genders.get(words[0].lower())
            for p in reversed(self.people):
                if len(p.name) == 1 and p.name[0] == words[-1] and (p.gender is None or named in (None, p.gender)):
                    p.name = words
                    return p
        person = Person(words)
        self.people.append(person)
        return person

    def _single(self, word: str, at: int | None = None, gender: str | None = None) -> Person | None:
        """A one-word mention: a surname first, else a given name.

        Among several people who share it, a title's ``gender`` puts those it fits first
        ("Mrs. Clinton" next to Bill Clinton) and those it contradicts last; then the one
        who was the subject of the sentence before ``at`` or of its own ("Bill Clinton
        spoke with voters. ... Clinton said"), then the one mentioned most often before
        ``at`` as a subject (the story's subject: after "a photo of his wife, Heidi Cruz", a
        bare "Cruz" is still Ted Cruz; a photo credit is no subject), then the one mentioned
        last; failing that, the one introduced first. A
        given name alone names only someone the story has already introduced ("Hillary"
        after "Hillary Clinton"): before the full name it is more likely a word of
        something else ("Rust" the language, then a conference "Rust Latam" the tagger
        took for a person).
        """
        best, best_rank = None, None
        recent = self._previous_sentence_start(at)
        for p in self.people:
            if p.name[-1] == word or (len(p.name) > 1 and word in p.name[-1].split("-")):
                rank = 2
            elif p.name[0] == word:
                rank = 1
            else:
                continue
            before = [m[0] for m in p.mentions if at is None or m[0] < at]
            if rank == 1 and at is not None and not before:
                continue
            first = min((m[0] for m in p.mentions), default=0)
            known = self.gender_of(p) if gender is not None else None
            agrees = 0 if known is None else 1 if known == gender else -1
            subjects = [t for t in before if self.doc[t].dep_ in SUBJECT_DEPS]
            recent_subject = any(t >= recent for t in subjects)  # mentions are not yet sorted while registering
            key = (rank, agrees, recent_subject, len(subjects), len(before), max(before, default=-1), -first)
            if best_rank is None or key > best_rank:
                best, best_rank = p, key
        return best

    def _previous_sentence_start(self, at: int | None) -> int:
        """The first token of the sentence before token ``at``'s (past the end: no ``at``)."""
        if at is None or at >= len(self.doc):
            return len(self.doc)
        start = self.doc[at].sent.start
        return self.doc[start - 1].sent.start if start > 0 else start

    # -- resolving --------------------------------------------------------------------
    def person_at(self, token: Token) -> Person | None:
        return self._by_token.get(token.i)

    def organization(self, name: str, phrase: Span) -> Speaker:
        name = self.org_name(_POSSESSIVE.sub("", name))
        return Speaker(name, "organization", None, phrase.start_char, phrase.end_char)

    def recent_org(self, i: int, head_word: str | None = None) -> str | None:
        """The organisation named most recently before token ``i`` (within a few sentences).

        "The authority said" after "the Transport Authority announced" is that authority:
        organisations named earlier whose name ends in the same word come first.
        """
        if head_word:
            for tok, name in reversed(self.orgs):
                if tok < i and self._known_as(tok, name, head_word):
                    return self.org_name(name)
            if head_word in self.vocab.owned_org_nouns:
                return None  # "the campaign" is someone's, not the last body named
        best = None
        for tok, name in self.orgs:
            if tok >= i:
                break
            if i - tok <= _ORG_REACH_TOKENS and not self._names_someone(name, tok, i):
                best = name  # not "Trump" of "Trump's comments", tagged ORG
        return self.org_name(best) if best else None

    def _names_someone(self, name: str, tok: int, at: int) -> bool:
        """Whether the "organisation" named at token ``tok`` is a person the tagger named
        as one elsewhere before token ``at``, by a full name or by its surname: the entity
        tagger's slip, which no "the company" can mean. (A body the cast took for a person
        only from how it was used, "United Technologies is not hurting", "Tesla said",
        stays a body.)"""
        words = self.name_words(name)
        return bool(words) and any(
            len(p.name) > 1
            and (p.name == words or (len(words) == 1 and p.name[-1] == words[0]))
            and any(m[0] < at and m[0] != tok and self.doc[m[0]].ent_type_ == "PERSON" for m in p.mentions)
            for p in self.people
        )

    def _known_as(self, tok: int, name: str, word: str) -> bool:
        """Whether the organisation registered at ``tok`` as ``name`` may be called "the
        ``word``": its name ends in the word ("Transport Authority") or its head noun is
        the word ("International Union of ...", "the federal department")."""
        return name.lower().split()[-1:] == [word] or self.doc[tok].lower_ == word

    def people_near(self, char: int, window: int = 600) -> int:
        """How many different people the narration named in the ``window`` characters before ``char``."""
        lo = bisect_left(self._mention_chars, char - window)
        hi = bisect_left(self._mention_chars, char)
        return len({id(self._mentions[k][1]) for k in range(lo, hi)})

    def speaker_for(self, person: Person, char: int) -> Speaker:
        """A speaker known only from context, pointed at the nearest naming mention."""
        start, end = self._nearest_mention(person, char)
        role = next(iter(person.roles.values()), None)
        return Speaker(person.display, "person", role, start, end, person)

    def person_in_phrase(self, head: Token, deps: frozenset[str] = frozenset({"compound", "flat"})) -> Person | None:
        """The registered person whose name ``head`` (or a child of it by ``deps``) is part of."""
        person = self._by_token.get(head.i)
        if person is not None:
            return person
        for child in head.children:
            if child.dep_ in deps and child.i in self._by_token:
                return self._by_token[child.i]
        return None

    def speaker(
        self, person: Person, head: Token, *, named: bool, span: Span | None = None, role: str | None = None
    ) -> Speaker:
        start: int | None
        end: int | None
        if named:
            if span is None:
                start, end = self._mention_span(head, person)
            else:
                start, end = span.start_char, span.end_char
        else:
            start, end = self._nearest_mention(person, head.idx)
        if role is None:
            role = role_before(self.doc, noun_phrase(head).start, self.vocab.titles) or appos_role(head)
            if role is None and person.roles:
                role = next(iter(person.roles.values()))
        return Speaker(person.display, "person", role, start, end, person)

    def _mention_span(self, head: Token, person: Person) -> tuple[int, int]:
        for tok, s, e in person.mentions:
            if s <= head.idx < e:
                return s, e
        return head.idx, head.idx + len(head.text)

    def _nearest_mention(self, person: Person, char: int) -> tuple[int | None, int | None]:
        before = [(s, e) for _, s, e in person.mentions if s < char]
        if before:
            return max(before)
        if person.mentions:
            _, s, e = min(person.mentions, key=lambda m: m[1])
            return s, e
        return None, None

    def by_role(self, lemma: str, head: Token) -> Person | None:
        """'the US president' → the person the article gave that role, most recent first."""
        if (
            not any(c.lower_ in {"the", "this", "that"} or c.dep_ == "poss" for c in head.children)
            and head.lower_ not in self.vocab.titles
        ):
            return None
        candidates = [p for p in self.people if lemma in p.roles and not self.other_rank(p, lemma, head)]
        if not candidates:
            return None
        return max(candidates, key=lambda p: self._last_before(p, head.i))

    def other_rank(self, person: Person, lemma: str, head: Token) -> bool:
        """Whether ``person`` holds the role ``lemma`` at another rank than the mention
        says: "the vice president" is not the person introduced as "President Obama", nor
        "the president" the one introduced as "Vice President Biden"."""
        role = person.roles.get(lemma)
        if role is None:
            return False
        ranks = self.vocab.rank_modifiers
        return frozenset(role.lower().split()) & ranks != frozenset(t.lower_ for t in head.lefts) & ranks

    def _last_before(self, person: Person, i: int) -> int:
        return max((t for t, _, _ in person.mentions if t < i), default=-1)

    def group_antecedent(self, head: Token, plural: bool) -> Token | None:
        """ "The union started a campaign ... they tweeted": the nearest organisation (or,
        for "they", plural group) that was the subject of a recent sentence."""
        doc = self.doc
        sent = head.sent
        end = head.i
        for _ in range(3):
            for tok in reversed(doc[sent.start : end]):
                if (
                    tok.dep_ not in SUBJECT_DEPS
                    or tok.pos_ == "PRON"
                    or self.quoted.contains(tok.idx)
                    or tok.i in self._by_token
                ):
                    continue
                org = tok.ent_type_ == "ORG" or tok.lemma_.lower() in self.vocab.org_nouns
                if org or (plural and tok.tag_ in {"NNS", "NNPS"}):
                    return tok
            if sent.start == 0:
                break
            end = sent.start
            sent = doc[sent.start - 1].sent
        return None

    def antecedent(self, i: int, gender: str | None, last: Person | None = None) -> Person | None:
        """The person a third-person pronoun at token ``i`` most likely means.

        Candidates are the people named outside quotation marks in the pronoun's sentence
        (before it) and the sentences of narration before it (headings and quoted
        sentences do not count as distance). A subject outranks other mentions, a nearer
        sentence outranks a farther one, and the person quoted last (``last``, given by the
        caller) gets a small bonus (a story keeps quoting the same person) and is the
        fallback when nobody is close. A
        known gender that disagrees rules a candidate out. Earlier pronouns are not
        chained: one wrong link would carry through a whole article.
        """
        memo_key = (i, gender, id(last))
        if memo_key in self._pronoun_memo:
            return self._pronoun_memo[memo_key]
        doc = self.doc
        sent = doc[i].sent
        end = i
        best, best_key = None, None
        distance = 0
        for _ in range(_WINDOW_SENTENCES * 3):
            if distance >= _WINDOW_SENTENCES:
                break
            for salience, tok, person in self._candidates(sent.start, end, gender):
                score = salience - _DISTANCE_COST * distance + (_LAST_SPEAKER_BONUS if person is last else 0)
                key = (score, tok)
                if best_key is None or key > best_key:
                    best, best_key = person, key
            if sent.start == 0:
                break
            if self.is_running(sent.start_char) and not self._all_quoted(sent):
                distance += 1  # headings and the speaker's own words do not move the story on
            end = sent.start
            sent = doc[sent.start - 1].sent
        if (
            last is not None
            and (gender is None or self.gender_of(last) in (None, gender))
            and (best_key is None or best_key[0] < _LAST_SPEAKER_FLOOR)
        ):
            best = last
        self._pronoun_memo[memo_key] = best
        return best

    def _all_quoted(self, sent: Span) -> bool:
        text = sent.text
        first = sent.start_char + (len(text) - len(text.lstrip()))
        last = sent.start_char + len(text.rstrip()) - 1
        return self.quoted.contains(first) and self.quoted.contains(max(first, last - 1))

    def _candidates(self, start: int, end: int, gender: str | None) -> list[tuple[int, int, Person]]:
        doc = self.doc
        lo = bisect_left(self._mention_tokens, start)
        hi = bisect_left(self._mention_tokens, end)
        found: list[tuple[int, int, Person]] = []
        for k in range(lo, hi):
            tok, person = self._mentions[k]
            if gender and self.gender_of(person) not in (None, gender):
                continue
            salience = _salience(doc[tok])
            if salience:
                found.append((salience, tok, person))
        return found


class QuotedText:
    """Character ranges inside quotation marks, for fast membership tests."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self._starts = [s for s, _ in self.spans]

    def contains(self, char: int) -> bool:
        k = bisect_left(self._starts, char + 1) - 1
        return k >= 0 and self.spans[k][0] <= char < self.spans[k][1]

    def overlaps(self, start: int, end: int) -> bool:
        """Whether any quoted range meets ``[start, end)``."""
        k = bisect_left(self._starts, end) - 1  # the last range starting before ``end``
        return k >= 0 and self.spans[k][1] > start


def _clause(tok: Token) -> int:
    """The verb of the clause a token is in (its nearest verb ancestor), or -1."""
    return next((a.i for a in tok.ancestors if a.pos_ in ("VERB", "AUX")), -1)


def _proper_subjects(doc: Doc) -> list[int]:
    """Proper nouns heading a subject: people the tagger may have missed ("Niederreiter has ...")."""
    arr = doc.to_array([POS, DEP])
    deps = np.array([doc.vocab.strings["nsubj"], doc.vocab.strings["nsubjpass"]], dtype=arr.dtype)
    hits = (arr[:, 0] == PROPN_ID) & np.isin(arr[:, 1], deps)
    return [int(i) for i in np.flatnonzero(hits)]


def _salience(tok: Token) -> int:
    dep = tok.dep_
    if dep == "compound" and tok.head.pos_ == "NOUN":
        return 0  # "the Kinder Morgan pipeline" is about a pipeline
    if dep == "ROOT":
        return 3  # a verbless fragment about this person
    if dep in SUBJECT_DEPS:
        return 3 if tok.head.dep_ == "ROOT" else 2
    if dep in {"compound", "flat"} and tok.head.dep_ in SUBJECT_DEPS:
        return 3 if tok.head.head.dep_ == "ROOT" else 2
    return 1


def noun_phrase(head: Token) -> Span:
    """The noun phrase a subject heads, without clauses or appositions after it."""
    doc = head.doc
    start = head.i
    for child in head.lefts:
        if child.dep_ in {"det", "compound", "amod", "poss", "nmod", "nummod", "flat", "quantmod"}:
            start = min(start, child.left_edge.i)
    end = head.i + 1
    for child in head.rights:
        if child.dep_ in {"compound", "flat"} and child.i == end:
            end = child.i + 1
    for k in range(head.i - 1, start - 1, -1):
        if "\n" in doc[k].text_with_ws:
            start = k + 1  # a heading the parser ran into the sentence
            break
    return doc[start:end]


def lost_a_title(phrase: Span, words: tuple[str, ...], titles: frozenset[str]) -> bool:
    """Whether taking titles off a name left one word of a name made of a capitalised
    title and that word ("General Motors" -> "Motors"): a company's name, not a person's."""
    if len(words) != 1:
        return False
    capitalised = [t for t in phrase if t.is_alpha and t.text[:1].isupper()]
    return len(capitalised) == 2 and capitalised[0].lower_ in titles and capitalised[1].text == words[0]


def role_before(doc: Doc, start: int, titles: frozenset[str]) -> str | None:
    """'United States president' in 'United States president Joe Biden' → 'president'."""
    words: list[str] = []
    k = start - 1
    while k >= 0:
        t = doc[k]
        if t.pos_ == "NOUN" or (t.lower_ in titles and t.is_alpha):
            words.append(t.text)
        elif t.pos_ == "ADJ" and words:
            words.append(t.text)
        else:
            break
        k -= 1
    if not words:
        return None
    return " ".join(reversed(words))


def appos_role(root: Token) -> str | None:
    """'John Smith, a senior analyst' → 'senior analyst'."""
    for child in root.rights:
        if child.dep_ == "appos" and child.pos_ == "NOUN":
            phrase = noun_phrase(child)
            return strip_det(phrase.text)
    if root.dep_ == "appos" and root.head.pos_ == "NOUN":
        return strip_det(noun_phrase(root.head).text)
    return None


def strip_det(text: str) -> str:
    for det in ("the ", "The ", "a ", "A ", "an ", "An "):
        if text.startswith(det):
            return text[len(det) :]
    return text


def definite(head: Token, possessive: bool = True) -> bool:
    return any(c.lower_ in {"the", "this", "that"} or (possessive and c.dep_ == "poss") for c in head.lefts)


def indefinite(head: Token) -> bool:
    return any(c.lower_ in {"a", "an", "one", "some", "another"} for c in head.lefts)
