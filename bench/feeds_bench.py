"""How much can one machine poll? N feeds x E new entries served from 127.0.0.1.

Builds N feeds of E entries each (HTML story pages, feed items carrying only a teaser, so
every story is fetched and extracted), a share of them wire copies of another feed's
story (another headline, a local intro, cut at another paragraph). Articles are
recombined from ``seeds/`` and ``tests/cluster_eval/texts`` paragraphs, with names and
figures replaced per article so that distinct articles are distinct stories. Feeds are
spread over loopback addresses (127.0.x.y) so the poller's per-host cap acts as it would
across many sites.

Measures, in one run:

* one poll round of the real ``FeedPoller`` (fetch, extract, brief on a ``WORKERS``-process
  pool, store) and the clustering of all the round's articles into stories;
* the baseline: the same pool briefing a sample of the same articles with no fetching
  or database, so the round's throughput is also a ratio against the bare engine;
* building a 200-story digest from cached briefs (``DigestBuilder.build``);
* peak memory (this process, and the largest worker process).

    .venv/bin/python bench/feeds_bench.py                       # 1,000 feeds x 10 entries
    .venv/bin/python bench/feeds_bench.py --feeds 100 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import resource
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.app import Core  # noqa: E402
from bot.core.clock import FakeClock  # noqa: E402
from bot.scheduling import FeedPoller  # noqa: E402
from bot.settings import Settings  # noqa: E402
from briefings.clusters import ClusterItem, StoryIndex  # noqa: E402
from briefings.loading import split_headline  # noqa: E402
from briefings.webpages import article_from_html  # noqa: E402

_GIVEN = [
    "Ana",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Femi",
    "Greta",
    "Hugo",
    "Ines",
    "Jun",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tariq",
    "Uma",
    "Viktor",
    "Wen",
    "Yara",
]
_SUR = [
    "Abara",
    "Brandt",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fontaine",
    "Gallo",
    "Haddad",
    "Ivanova",
    "Jansen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Novak",
    "Okoro",
    "Petrov",
    "Quist",
    "Rossi",
    "Sato",
    "Tanaka",
    "Ulloa",
    "Varga",
    "Weber",
    "Yilmaz",
    "Zhou",
]
_PLACES = [
    "Ashford",
    "Brightwater",
    "Caldmoor",
    "Dunmere",
    "Eastholm",
    "Fairhaven",
    "Glenrock",
    "Highbury",
    "Ironbridge",
    "Kestrel Bay",
    "Lowfield",
    "Marston",
    "Northgate",
    "Oakvale",
]
_INTROS = [
    "Residents of {p} will feel the effects of this.",
    "LOCAL ANGLE: businesses in {p} say they are ready.",
    "Here is what we know so far about the story, reported from {p}.",
]
_SUFFIX = ["", "son", "ski", "ez", "ov", "ini", "berg", "ley"]
_QUOTED = re.compile(r"([\"“])([^\"“”]{10,})([\"”])")
_NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)?\b")
_NUM = re.compile(r"\b\d[\d,.]*\b")


def paragraphs() -> list[str]:
    out = []
    for path in sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT / "tests/cluster_eval/texts").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        _, start = split_headline(text)
        out += [p.strip() for p in text[start:].split("\n\n") if len(p.split()) > 12]
    return out


def article(rng: random.Random, pool: list[str], i: int) -> tuple[str, list[str]]:
    """A distinct story: paragraphs from the pool with its own people, places and figures."""
    people = {}

    def person(m: re.Match) -> str:
        word = m.group()
        if m.start() == 0 or word in ("The", "A", "In", "He", "She", "It", "But", "They", "This"):
            return word
        surname = rng.choice(_SUR) + rng.choice(_SUFFIX)
        people.setdefault(word, f"{rng.choice(_GIVEN)} {surname}" if " " in word else surname)
        return people[word]

    def said(m: re.Match) -> str:  # distinct stories do not quote the same words
        words = m.group(2).split()
        rng.shuffle(words)
        return m.group(1) + " ".join(words) + m.group(3)

    body = []
    for p in rng.sample(pool, k=rng.randint(6, 10)):
        p = _NAME.sub(person, p)
        p = _NUM.sub(lambda _m: str(rng.randint(11, 9999)), p)
        p = _QUOTED.sub(said, p)
        body.append(p)
    place = rng.choice(_PLACES)
    title = f"{place}: {rng.choice(list(people.values()) or ['Council'])} story number {i}"
    return title, body


def wire_copy(rng: random.Random, title: str, body: list[str]) -> tuple[str, list[str]]:
    keep = rng.randint(3, len(body))
    intro = rng.choice(_INTROS).format(p=rng.choice(_PLACES))
    return "Agency: " + title.split(": ", 1)[-1], [intro] + body[:keep]


def html(title: str, body: list[str]) -> str:
    paras = "".join(f"<p>{escape(p)}</p>" for p in body)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)} | Bench News</title>"
        f"</head><body><nav>Home | World | Sport</nav><article><h1>{escape(title)}</h1>{paras}</article>"
        f"<footer>© Bench News</footer></body></html>"
    )


def rss(title: str, items: list[tuple[str, str, str]]) -> str:
    now = format_datetime(datetime.now(timezone.utc))
    parts = [
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{escape(title)}</title>"
        f"<link>http://bench/</link><description>bench</description>"
    ]
    for guid, link, t in items:
        parts.append(
            f"<item><title>{escape(t)}</title><link>{escape(link)}</link><guid>{escape(guid)}</guid>"
            f"<description>Read the full story.</description><pubDate>{now}</pubDate></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts)


class Server:
    """Static routes on every loopback address, in a background thread."""

    def __init__(self, routes: dict[str, tuple[bytes, str]]) -> None:
        routes_ = routes

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                found = routes_.get(self.path)
                if found is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, ctype = found
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.daemon_threads = True
        ThreadingHTTPServer.request_queue_size = 512
        self.httpd = ThreadingHTTPServer(("0.0.0.0", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


def host_of(feed: int, hosts: int) -> str:
    n = feed % hosts
    return f"127.0.{n // 250}.{n % 250 + 1}"


def build_site(n_feeds: int, per_feed: int, wire_share: float, hosts: int, seed: int = 1):
    rng = random.Random(seed)
    pool = paragraphs()
    routes: dict[str, tuple[bytes, str]] = {}
    feeds: list[tuple[str, str]] = []  # (path, title)
    stories: list[tuple[str, list[str]]] = []
    truth: dict[str, int] = {}  # page path -> story number (a wire copy has its original's)
    wires = 0
    for f in range(n_feeds):
        items = []
        for e in range(per_feed):
            path = f"/f{f}/a{e}.html"
            if stories and rng.random() < wire_share:
                original = rng.randrange(max(0, len(stories) - 200), len(stories))
                title, body = wire_copy(rng, *stories[original])
                truth[path] = original
                wires += 1
            else:
                title, body = article(rng, pool, f * per_feed + e)
                truth[path] = len(stories)
                stories.append((title, body))
            routes[path] = (html(title, body).encode(), "text/html; charset=utf-8")
            items.append((f"f{f}-a{e}", path, title))
        feeds.append((f"/f{f}/feed.xml", f"Outlet {f}"))
        routes[f"/f{f}/feed.xml"] = (rss(f"Outlet {f}", items).encode(), "application/rss+xml; charset=utf-8")
    return routes, feeds, wires, truth


def absolutise(routes, feeds, port, hosts):
    """Item links need the feed's host; rewrite them once the port is known."""
    for f, (path, _title) in enumerate(feeds):
        host = f"http://{host_of(f, hosts)}:{port}"
        body, ctype = routes[path]
        routes[path] = (
            re.sub(
                rb"<link>(/f\d+/a\d+\.html)</link>", lambda m: b"<link>" + host.encode() + m.group(1) + b"</link>", body
            ),
            ctype,
        )


def peak_mib() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest live worker (VmHWM)."""
    import multiprocessing

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    for proc in multiprocessing.active_children():
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
        except OSError:
            continue
        m = re.search(r"VmHWM:\s+(\d+) kB", status)
        if m:
            child = max(child, int(m.group(1)) / 1024)
    return own, child


async def main_async(args) -> None:
    t_build = time.perf_counter()
    routes, feeds, wires, truth = build_site(args.feeds, args.entries, args.wire_share, args.hosts)
    server = Server(routes)
    absolutise(routes, feeds, server.port, args.hosts)
    total = args.feeds * args.entries
    print(
        f"corpus: {args.feeds} feeds x {args.entries} entries = {total} articles "
        f"({wires} wire copies), {args.hosts} hosts; built in {time.perf_counter() - t_build:.1f}s",
        flush=True,
    )
    tmp = tempfile.mkdtemp(prefix="feeds-bench-")
    allow = ",".join(sorted({host_of(f, args.hosts) for f in range(args.feeds)}))
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp}/bench.db",
        briefbot_fetch_allow_hosts=allow,
        feed_poll_seconds=900,
        workers=args.workers,
    )
    clock = FakeClock(datetime.now(timezone.utc))
    core = Core.open(settings, clock=clock)
    core.briefer.warm_up()
    store = core.store
    urls = [f"http://{host_of(f, args.hosts)}:{server.port}{path}" for f, (path, _t) in enumerate(feeds)]
    digest_feeds = max(1, -(-200 // args.entries))
    for f, url in enumerate(urls):
        store.subscribe(
            "bench:all",
            url,
            title=feeds[f][1],
            entries=[],
            etag=None,
            last_modified=None,
            now=clock.now(),
            next_poll_at=clock.now(),
        )
        if f < digest_feeds:
            store.subscribe(
                "bench:digest",
                url,
                title=feeds[f][1],
                entries=[],
                etag=None,
                last_modified=None,
                now=clock.now(),
                next_poll_at=clock.now(),
            )
    store.set_schedule("bench:digest", hour=8, minute=0, tz="UTC", days="*", now=clock.now(), stories=25)
    clock.advance(seconds=5)

    # baseline: the same pool briefing articles with no fetching, extraction or database
    rng = random.Random(2)
    sample_paths = rng.sample([p for p in routes if p.endswith(".html")], min(args.baseline, total))
    sample = [article_from_html(routes[p][0].decode(), url=f"http://127.0.0.1{p}") for p in sample_paths]
    t0 = time.perf_counter()
    chunks = [sample[i : i + args.entries] for i in range(0, len(sample), args.entries)]
    await asyncio.gather(*(core.briefer.brief(c, 3) for c in chunks))
    base = time.perf_counter() - t0
    base_rate = len(sample) / base
    print(
        f"baseline: {len(sample)} articles briefed by the pool alone in {base:.1f}s = {base_rate:.1f} articles/s",
        flush=True,
    )

    poller = FeedPoller(store, core.sources, core.cache, clock, interval_seconds=900, per_host=2)
    before = core.briefer.articles_briefed
    t0 = time.perf_counter()
    results = await poller.poll_due()
    poll_s = time.perf_counter() - t0
    new = sum(r.new for r in results)
    failed = [r for r in results if r.error]
    briefed = core.briefer.articles_briefed - before
    own, child = peak_mib()
    print(
        f"poll round: {len(results)} feeds, {new} new entries, {briefed} briefed, {len(failed)} failed, "
        f"in {poll_s:.1f}s = {new / poll_s:.1f} articles/s ({new / poll_s / base_rate:.2f}x the bare pool)",
        flush=True,
    )
    if failed:
        print("  first failure:", failed[0].error)

    # clustering every article of the round, as a digest of all of them would
    entries = store.channel_entries("bench:all", None, clock.now())
    cached = store.cached_briefs([e.content_key for e in entries if e.content_key], 3)
    from bot.storage.codec import brief_from_json  # noqa: E402

    briefs = [brief_from_json(v) for v in cached.values()]
    index = StoryIndex()
    t0 = time.perf_counter()
    for i, b in enumerate(briefs):
        index.add(ClusterItem(key=str(i), text=b.article.text, title=b.article.title, time=clock.now()))
    cluster_s = time.perf_counter() - t0
    stories = index.stories
    multi = sum(1 for s in stories if len(s.keys) > 1)
    print(
        f"clusters: {len(briefs)} articles into {len(stories)} stories ({multi} with several articles) "
        f"in {cluster_s:.2f}s = {1000 * cluster_s / max(1, len(briefs)):.2f} ms/article",
        flush=True,
    )
    label = {str(i): truth.get(urlsplit(b.article.url or "").path) for i, b in enumerate(briefs)}
    story_of = {k: n for n, s in enumerate(stories) for k in s.keys}
    by_truth: dict[int, list[str]] = {}
    for k, t in label.items():
        by_truth.setdefault(t, []).append(k)
    pairs = [(a, b) for ks in by_truth.values() for i, a in enumerate(ks) for b in ks[i + 1 :]]
    together = sum(story_of[a] == story_of[b] for a, b in pairs)
    false = sum(len({label[k] for k in s.keys}) - 1 for s in stories)
    print(
        f"  wire copies with their original: {together}/{len(pairs)}; distinct stories merged into another: {false}",
        flush=True,
    )
    # the index's cost per addition should not grow with its size: compare first and last tenth
    tenth = max(1, len(briefs) // 10)
    idx = StoryIndex()
    t_first = time.perf_counter()
    for i, b in enumerate(briefs[:tenth]):
        idx.add(ClusterItem(key=str(i), text=b.article.text, time=clock.now()))
    t_first = time.perf_counter() - t_first
    for i, b in enumerate(briefs[tenth:-tenth]):
        idx.add(ClusterItem(key=f"m{i}", text=b.article.text, time=clock.now()))
    t_last = time.perf_counter()
    for i, b in enumerate(briefs[-tenth:]):
        idx.add(ClusterItem(key=f"l{i}", text=b.article.text, time=clock.now()))
    t_last = time.perf_counter() - t_last
    print(f"  per-article cost, last tenth vs first tenth of the index: {t_last / t_first:.2f}x", flush=True)

    t0 = time.perf_counter()
    reply, count = await core.service.digests.build("bench:digest", None, clock.now(), "Bench digest")
    digest_s = time.perf_counter() - t0
    print(
        f"digest: {count} articles into a front page of {len(reply.cards)} cards in {digest_s:.2f}s ({reply.text})",
        flush=True,
    )
    own, child = peak_mib()
    print(f"peak memory: this process {own:.0f} MiB, largest worker {child:.0f} MiB", flush=True)
    print(f"one round end to end (poll + cluster): {poll_s + cluster_s:.1f}s for {new} articles", flush=True)
    await core.aclose()
    server.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--feeds", type=int, default=1000)
    p.add_argument("--entries", type=int, default=10)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--hosts", type=int, default=50, help="loopback addresses the feeds are spread over")
    p.add_argument("--wire-share", type=float, default=0.15)
    p.add_argument("--baseline", type=int, default=200, help="articles briefed by the bare pool")
    args = p.parse_args(argv)
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
