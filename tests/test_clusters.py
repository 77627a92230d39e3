"""Same-story clusters: each rule on texts of our own writing (tests/cluster_eval/texts)."""

from __future__ import annotations

import importlib.util
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from briefings.clusters import ClusterItem, cluster, containment, decide, features
from briefings.loading import load_path

TEXTS = Path(__file__).parent / "cluster_eval" / "texts"
T0 = datetime(2026, 10, 6, 22, 0, tzinfo=timezone.utc)  # a Tuesday night


def body(name: str) -> str:
    return load_path(str(TEXTS / f"{name}.txt"))[0].text


def item(name: str, time: datetime | None = None, text: str | None = None) -> ClusterItem:
    return ClusterItem(key=name, text=text if text is not None else body(name), source=name, time=time)


def together(*items: ClusterItem) -> bool:
    stories = cluster(list(items))
    return len(stories) == 1


def test_wire_copy_with_new_headline_local_intro_and_cut_is_one_story():
    paras = body("court-1-courier").split("\n")
    variant = "Folks along the Ashby in Carver County have long suspected as much.\n" + "\n".join(paras[:3])
    assert containment(features(body("court-1-courier")), features(variant)) > 0.8
    assert together(item("court-1-courier"), item("court-wire", text=variant))


def test_independent_reports_of_one_event_are_found_together():
    for event in ("debate-1", "debate-2", "poll-1", "rally-1", "rally-2", "court-1", "rates-1", "storm-1"):
        ev = decide(features(body(f"{event}-courier")), features(body(f"{event}-metro")))
        assert ev.same and ev.reason == "same event", (event, ev)


def test_two_rallies_of_one_candidate_with_the_same_stump_line_stay_apart():
    a, b = features(body("rally-1-courier")), features(body("rally-2-courier"))
    assert a.quote_shingles & b.quote_shingles  # the same words quoted at both
    assert not decide(a, b).same
    assert not together(item("rally-1-courier"), item("rally-2-courier"))


def test_two_polls_a_week_apart_stay_apart():
    assert not together(item("poll-1-courier"), item("poll-2-courier"))


def test_names_alone_never_merge():
    """Every name shared, no quote or figure in common: two stories."""
    a = "Maria Alvarez met Tom Becker at Lakeview University. Alvarez and Becker talked about roads."
    b = "Tom Becker visited Lakeview University with Maria Alvarez. Becker praised Alvarez's garden."
    assert not together(item("a", text=a), item("b", text=b))


def test_a_day_named_differently_in_the_opening_keeps_events_apart():
    a = features(
        'The council voted on Monday to close the Harbour Bridge. "We had no choice at all," '
        "said Mayor Joan Pryce. The closure costs $4.5 million and affects 12,000 drivers."
    )
    b = features(
        'The council voted on Thursday to close the Harbour Bridge. "We had no choice at all," '
        "said Mayor Joan Pryce. The closure costs $4.5 million and affects 12,000 drivers."
    )
    ev = decide(a, b)
    assert ev.day_conflict and ev.reason in ("different days", "wire copy")


def test_weekdays_resolve_against_publication_time():
    """'Tuesday' written on Wednesday morning is the Tuesday before: the same day."""
    f1 = features("The debate on Tuesday night was fierce.", T0)
    f2 = features("Tuesday's debate was fierce, viewers said.", T0 + timedelta(hours=10))
    assert f1.lede_days == f2.lede_days


def test_articles_further_apart_than_the_window_are_never_merged():
    text = body("storm-1-courier")
    near = cluster([item("a", T0, text), item("b", T0 + timedelta(hours=30), text)])
    far = cluster([item("a", T0, text), item("b", T0 + timedelta(hours=50), text)])
    assert len(near) == 1 and len(far) == 2


def test_figures_ignore_years_small_counts_and_clock_times():
    f = features(
        "In 2016, at 9 p.m., 3 men and 12 women saw 47 percent, $2.3 billion, 1,500 officers "
        "and a 3.4 percentage point margin at 10:30."
    )
    assert f.figures == {"47%", "$2.3billion", "1500", "3.4pt"}


def test_sentence_openers_are_not_names_but_names_at_sentence_start_are():
    f = features(
        "People in this state feel safe. Becker, the nominee, disagreed. Maria Alvarez spoke. Housing came up later."
    )
    assert {"becker", "maria", "alvarez"} <= f.names
    assert not {"people", "housing"} & f.names


def test_every_item_in_exactly_one_story():
    names = sorted(p.stem for p in TEXTS.glob("*.txt"))
    items = [item(n) for n in names]
    stories = cluster(items)
    keys = [k for s in stories for k in s.keys]
    assert sorted(keys) == names


def test_a_name_in_every_article_does_not_make_candidates_of_them_all():
    """One name carried by hundreds of unrelated items: still one story each, and fast."""
    rng = random.Random(3)
    words = "harbour council budget river school bridge market court storm poll vote rally".split()
    items = [
        ClusterItem(
            key=str(i),
            text=f"Governor Alvarez said {i * 37 + 1000} {rng.choice(words)} "
            + " ".join(rng.choice(words) for _ in range(40)),
        )
        for i in range(400)
    ]
    assert len(cluster(items)) == 400


def _eval_module():
    spec = importlib.util.spec_from_file_location(
        "cluster_eval", Path(__file__).parent.parent / "scripts/cluster_eval.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("seed", [7, 8])
def test_own_evaluation_set_rates(seed, capsys):
    assert _eval_module().main(["--seed", str(seed)]) == 0
    out = capsys.readouterr().out
    rates = dict(line.split(":", 1) for line in out.strip().splitlines())
    wire_ok, wire_n = map(int, rates["wire variants merged"].split("=")[0].split("/"))
    assert wire_ok / wire_n >= 0.95
    found, pairs = map(int, rates["same-event pairs together"].split("=")[0].split("/"))
    assert found / pairs >= 0.7
    assert rates["same-topic pairs merged"].split("/")[0].strip() == "0"
    assert rates["pairs of distinct stories in one story (any)"].strip() == "0"


def test_a_template_filled_in_twice_is_two_stories():
    """The same sentences with other plan numbers, sums and people: shared words, no shared story."""
    from bot_helpers import story

    from briefings.loading import article_from_text

    items = [
        ClusterItem(key=str(n), text=article_from_text(story(n, topic=f"the district {n} tram line")).text)
        for n in (100, 101, 104, 105)
    ]
    assert len(cluster(items)) == 4
