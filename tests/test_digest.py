"""Cross-article speaker merge for the who-said-what digest."""

from __future__ import annotations

from briefings.digest import DigestSpeaker, merge_speakers
from briefings.model import Article, Brief, Quote


def brief(title, *quotes):
    art = Article(
        text="body", original="body", title=title, url=f"https://example.org/{title}", path=f"/tmp/{title}.txt"
    )
    return Brief(article=art, summary=(), quotes=tuple(quotes))


def q(speaker, text, kind="person", role=None):
    return Quote(speaker=speaker, text=text, start=0, end=len(text), kind="direct", speaker_kind=kind, role=role)


def by_name(merged: list[DigestSpeaker]) -> dict[str, DigestSpeaker]:
    return {s.name: s for s in merged}


def test_same_person_across_outlets_appears_once_with_each_article():
    merged = merge_speakers(
        [
            brief("a", q("Joe Biden", "We are concerned.", role="president"), q("Moon Jae-in", "Welcome.")),
            brief("b", q("Joe Biden", "Talks will resume."), q("Joe Biden", "Not now.")),
        ]
    )
    biden = by_name(merged)["Joe Biden"]
    assert [a.title for a in biden.appearances] == ["a", "b"]
    assert biden.quote_count == 3 and biden.article_count == 2
    assert biden.roles == ("president",)
    assert biden.appearances[1].url == "https://example.org/b"
    assert biden.appearances[0].path == "/tmp/a.txt"
    assert [qq.text for _, qq in biden.quotes] == ["We are concerned.", "Talks will resume.", "Not now."]
    assert merged[0] is biden  # quoted in most articles comes first


def test_name_variants_merge_but_namesakes_stay_apart():
    merged = merge_speakers(
        [
            brief("a", q("Joseph Biden", "One.")),
            brief("b", q("J. Biden", "Two.")),
            brief("c", q("Sung Kim", "Three.")),
            brief("d", q("Kim Jong Un", "Four.")),
            brief("e", q("Kevin Vickers", "Five."), q("Andrew Vickers", "Six.")),
        ]
    )
    names = by_name(merged)
    assert names["Joseph Biden"].article_count == 2
    assert {"Sung Kim", "Kim Jong Un", "Kevin Vickers", "Andrew Vickers"} <= set(names)


def test_a_surname_alone_joins_the_only_full_name_it_fits():
    merged = merge_speakers(
        [
            brief("a", q("Angela Moss", "One.")),
            brief("b", q("Moss", "Two.")),
            brief("c", q("Tran", "Three.")),
            brief("d", q("Linh Tran", "Four."), q("Bao Tran", "Five.")),
        ]
    )
    names = by_name(merged)
    assert names["Angela Moss"].article_count == 2
    assert "Tran" in names and names["Tran"].article_count == 1  # ambiguous: left alone


def test_accents_and_case_do_not_split_a_person():
    merged = merge_speakers([brief("a", q("François Legault", "Un.")), brief("b", q("Francois Legault", "Deux."))])
    assert len(merged) == 1 and merged[0].article_count == 2


def test_organisations_merge_by_name_and_sources_never_merge():
    merged = merge_speakers(
        [
            brief(
                "a",
                q("State Department", "No comment.", kind="organization"),
                q("officials", "It is over.", kind="source"),
            ),
            brief(
                "b",
                q("State Department", "Still no comment.", kind="organization"),
                q("officials", "It is not over.", kind="source"),
                q("Justice Department", "Charges filed.", kind="organization"),
            ),
        ]
    )
    orgs = [s for s in merged if s.kind == "organization"]
    assert sorted((s.name, s.article_count) for s in orgs) == [("Justice Department", 1), ("State Department", 2)]
    assert [s.article_count for s in merged if s.kind == "source"] == [1, 1]


def test_no_briefs_no_speakers():
    assert merge_speakers([]) == []
    assert merge_speakers([brief("empty")]) == []
