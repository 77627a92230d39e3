"""The safe HTTP client, against a real server on 127.0.0.1.

No test here sends a packet anywhere but loopback: private and metadata addresses are
refused before any connection, and names "resolving" to them use an injected resolver.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from datetime import datetime, timezone

import pytest

from briefings.fetching import (
    ALLOW_HOSTS_ENV,
    ConnectError,
    FetchError,
    FetchPolicy,
    FetchTimeout,
    HTTPStatusError,
    RefusedAddress,
    RefusedURL,
    TooLarge,
    TooManyRedirects,
    UnsupportedContent,
    address_problem,
    decode_body,
    fetch,
    make_client,
)
from httpserver import http_server, loopback_only  # noqa: F401  (fixtures)

pytestmark = pytest.mark.usefixtures("loopback_only")

LOCAL = frozenset({"127.0.0.1"})


@pytest.fixture
def policy() -> FetchPolicy:
    return FetchPolicy(allow_hosts=LOCAL, timeout=1.0, max_bytes=200_000)


def fake_resolver(table: dict[str, list[str]], calls: list[str] | None = None):
    """A resolver answering from ``table`` (and recording lookups); no DNS involved."""

    async def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(table[host])

    return resolve


def assert_one_line(exc: FetchError, url: str) -> None:
    message = str(exc)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(("refused ", "could not load "))
    assert url in message


# --------------------------------------------------------------------------- success


async def test_fetches_a_page_and_sends_a_user_agent(http_server, policy):
    http_server.route("/story", "<html><body><p>Hello</p></body></html>")
    result = await fetch(http_server.url("/story"), policy=policy)
    assert result.status == 200
    assert result.content_type == "text/html"
    assert "<p>Hello</p>" in result.text
    assert result.url == http_server.url("/story")
    sent = http_server.requests_to("/story")[0]
    assert sent.header("User-Agent") == policy.user_agent
    assert "text/html" in sent.header("Accept")


async def test_follows_relative_and_absolute_redirects(http_server, policy):
    http_server.route("/final", "done", content_type="text/plain")
    http_server.redirect("/one", "/two", status=301)
    http_server.redirect("/two", http_server.url("/final"), status=307)
    result = await fetch(http_server.url("/one"), policy=policy)
    assert result.url == http_server.url("/final")
    assert result.text == "done"
    assert result.redirects == (http_server.url("/one"), http_server.url("/two"))


async def test_redirect_loop_stops_at_the_cap(http_server, policy):
    http_server.redirect("/a", "/b")
    http_server.redirect("/b", "/a")
    with pytest.raises(TooManyRedirects) as err:
        await fetch(http_server.url("/a"), policy=policy)
    assert str(err.value).endswith(": it redirects more than 5 times")
    assert len(http_server.requests) == policy.max_redirects + 1


async def test_conditional_get_sends_validators_and_reads_304(http_server, policy):
    stamp = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    http_server.route("/doc", "body", content_type="text/plain", etag='"abc"', last_modified=stamp)
    first = await fetch(http_server.url("/doc"), policy=policy)
    assert (first.etag, first.not_modified) == ('"abc"', False)
    assert first.last_modified == "Sun, 01 Mar 2026 12:00:00 GMT"
    again = await fetch(http_server.url("/doc"), policy=policy, etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.status == 304 and again.text == ""
    sent = http_server.requests_to("/doc")[1]
    assert sent.header("If-None-Match") == '"abc"'
    assert sent.header("If-Modified-Since") == "Sun, 01 Mar 2026 12:00:00 GMT"


async def test_proxy_variables_cannot_route_around_the_checks(http_server, policy, monkeypatch):
    # A proxy would connect wherever it likes; the client must ignore the environment.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    http_server.route("/p", "direct", content_type="text/plain")
    assert (await fetch(http_server.url("/p"), policy=policy)).text == "direct"


async def test_a_shared_client_serves_several_fetches(http_server, policy):
    http_server.route("/x", "x", content_type="text/plain")
    http_server.route("/y", "y", content_type="text/plain")
    async with make_client(policy) as client:
        texts = [(await fetch(http_server.url(p), policy=policy, client=client)).text for p in ("/x", "/y")]
    assert texts == ["x", "y"]


# --------------------------------------------------------------------------- decoding


async def test_decodes_by_http_charset(http_server, policy):
    text = "Le caf\u00e9 \u00e0 c\u00f4t\u00e9 \u2013 \u20ac5"
    http_server.route("/cp", text.encode("cp1252"), content_type="text/plain; charset=windows-1252")
    assert (await fetch(http_server.url("/cp"), policy=policy)).text == text


async def test_decodes_by_meta_charset_when_http_gives_none(http_server, policy):
    html = '<html><head><meta charset="iso-8859-1"></head><body>Fran\u00e7ois na\u00efve</body></html>'
    http_server.route("/meta", html.encode("latin-1"), content_type="text/html")
    result = await fetch(http_server.url("/meta"), policy=policy)
    assert "Fran\u00e7ois na\u00efve" in result.text
    assert result.encoding == "cp1252"


def test_detects_an_undeclared_legacy_encoding():
    text = (
        "Les \u00e9lus ont vot\u00e9 la r\u00e9forme apr\u00e8s un d\u00e9bat tr\u00e8s long "
        "sur la s\u00e9curit\u00e9 et l'\u00e9conomie de la r\u00e9gion. "
    ) * 5
    decoded, _ = decode_body(text.encode("latin-1"))
    assert decoded == text


def test_utf8_bom_and_utf8_without_declaration():
    assert decode_body("\ufeffcaf\u00e9".encode("utf-8"))[0] == "caf\u00e9"
    assert decode_body("caf\u00e9".encode("utf-8")) == ("caf\u00e9", "utf-8")


# --------------------------------------------------------------------------- failures


async def test_404_is_a_status_error(http_server, policy):
    url = http_server.url("/missing")
    with pytest.raises(HTTPStatusError) as err:
        await fetch(url, policy=policy)
    assert err.value.status == 404
    assert str(err.value) == f"could not load {url}: the server answered 404 Not Found"


async def test_500_is_a_status_error(http_server, policy):
    http_server.route("/boom", "oops", status=503)
    with pytest.raises(HTTPStatusError) as err:
        await fetch(http_server.url("/boom"), policy=policy)
    assert err.value.status == 503


async def test_slow_server_times_out(http_server):
    http_server.route("/slow", "late", delay=10)
    url = http_server.url("/slow")
    started = time.monotonic()
    with pytest.raises(FetchTimeout) as err:
        await fetch(url, policy=FetchPolicy(allow_hosts=LOCAL, timeout=0.5))
    assert time.monotonic() - started < 2
    assert_one_line(err.value, url)
    assert "0.5 seconds" in str(err.value)


async def test_deadline_covers_a_body_that_drips(http_server):
    # Every read succeeds quickly, so only a total deadline can stop this.
    http_server.stream("/drip", chunk_delay=0.05, chunks=(b"<p>x</p>" for _ in range(10_000)))
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        await fetch(http_server.url("/drip"), policy=FetchPolicy(allow_hosts=LOCAL, timeout=0.6))
    assert time.monotonic() - started < 2


async def test_declared_oversize_body_is_refused_early(http_server, policy):
    http_server.route("/big", b"a" * 300_000, content_type="text/plain")
    with pytest.raises(TooLarge) as err:
        await fetch(http_server.url("/big"), policy=policy)
    assert "300,000 bytes" in str(err.value)


async def test_endless_body_stops_at_the_byte_cap(http_server, policy):
    http_server.stream("/endless")  # 64 KiB chunks forever, no Content-Length
    started = time.monotonic()
    with pytest.raises(TooLarge) as err:
        await fetch(http_server.url("/endless"), policy=policy)
    assert time.monotonic() - started < 2
    assert "larger than the 0.2 MB limit" in str(err.value)


async def test_gzip_bodies_are_capped_after_decompression(http_server, policy):
    import gzip

    packed = gzip.compress(b"a" * 1_000_000)
    assert len(packed) < policy.max_bytes
    http_server.route("/bomb", packed, content_type="text/plain", headers={"Content-Encoding": "gzip"})
    with pytest.raises(TooLarge):
        await fetch(http_server.url("/bomb"), policy=policy)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_compression_bomb_never_inflates_far_past_the_cap(http_server, encoding):
    import tracemalloc
    import zlib

    # 64 MB of zeros packs into ~64 KB: one network read. Inflating that read whole
    # before checking the cap holds 64 MB at once, whatever the cap says.
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
    packed = squeeze.compress(b"\0" * (64 << 20)) + squeeze.flush()
    http_server.route("/bomb", packed, content_type="text/plain", headers={"Content-Encoding": encoding})
    cap = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), max_bytes=1 << 20, timeout=5)
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge):
            await fetch(http_server.url("/bomb"), policy=cap)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * cap.max_bytes, f"peak {peak:,} bytes for a {cap.max_bytes:,}-byte cap"


async def test_compressed_pages_still_decode(http_server, policy):
    import gzip
    import zlib

    page = "<html><body><p>Caf\u00e9 news, gzip and deflate alike.</p></body></html>".encode()
    http_server.route(
        "/gz", gzip.compress(page), content_type="text/html; charset=utf-8", headers={"Content-Encoding": "gzip"}
    )
    http_server.route(
        "/zl", zlib.compress(page), content_type="text/html; charset=utf-8", headers={"Content-Encoding": "deflate"}
    )
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    http_server.route(
        "/raw",
        raw.compress(page) + raw.flush(),
        content_type="text/html; charset=utf-8",
        headers={"Content-Encoding": "deflate"},
    )
    http_server.route(
        "/twice",
        gzip.compress(gzip.compress(page)),
        content_type="text/html; charset=utf-8",
        headers={"Content-Encoding": "gzip, gzip"},
    )
    http_server.route(
        "/ident",
        gzip.compress(page),
        content_type="text/html; charset=utf-8",
        headers={"Content-Encoding": "identity, gzip"},
    )
    for path in ("/gz", "/zl", "/raw", "/twice", "/ident"):
        result = await fetch(http_server.url(path), policy=policy)
        assert result.content == page and "Caf\u00e9" in result.text


@pytest.mark.parametrize(
    "content_type", ["image/png", "application/pdf", "application/octet-stream", "video/mp4", "application/json"]
)
async def test_wrong_content_type_is_refused(http_server, policy, content_type):
    http_server.route("/file", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type=content_type)
    url = http_server.url("/file")
    with pytest.raises(UnsupportedContent) as err:
        await fetch(url, policy=policy)
    assert str(err.value) == (f"could not load {url}: it is {content_type}, not a web page, a feed or plain text")


async def test_binary_without_content_type_is_refused(http_server, policy):
    http_server.route("/blob", b"\x00\x01\x02" * 100, content_type=None)
    with pytest.raises(UnsupportedContent):
        await fetch(http_server.url("/blob"), policy=policy)


async def test_connection_refused(policy):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    with pytest.raises(ConnectError) as err:
        await fetch(url, policy=policy)
    assert_one_line(err.value, url)


async def test_unknown_host_name():
    policy = FetchPolicy(resolver=fake_resolver({}), timeout=1)
    with pytest.raises(ConnectError) as err:
        await fetch("http://no-such-host.invalid/", policy=policy)
    assert str(err.value) == (
        "could not load http://no-such-host.invalid/: the host name no-such-host.invalid could not be resolved"
    )


# --------------------------------------------------------------------------- refusals


async def test_loopback_refused_unless_allowed(http_server):
    url = http_server.url("/")
    with pytest.raises(RefusedAddress) as err:
        await fetch(url, policy=FetchPolicy(timeout=1))
    assert str(err.value) == f"refused {url}: the host is a loopback address (127.0.0.1)"
    assert http_server.requests == []


async def test_cloud_metadata_address_refused():
    with pytest.raises(RefusedAddress) as err:
        await fetch("http://169.254.169.254/latest/meta-data/", policy=FetchPolicy(timeout=1))
    assert str(err.value) == (
        "refused http://169.254.169.254/latest/meta-data/: the host is a link-local address (169.254.169.254)"
    )


@pytest.mark.parametrize(
    "url, reason",
    [
        ("file:///etc/passwd", "only http and https URLs are fetched, not file:"),
        ("ftp://ftp.example.com/pub/file.txt", "only http and https URLs are fetched, not ftp:"),
        ("gopher://example.com/", "only http and https URLs are fetched, not gopher:"),
        ("javascript:alert(1)", "only http and https URLs are fetched, not javascript:"),
        ("http:///nohost", "it has no host name"),
        ("www.example.com/story", "it has no scheme (only http:// and https:// URLs are fetched)"),
        ("http://exa mple.com/", "it is not a valid URL (the host name has spaces or escapes)"),
        ("http://[::1/", "it is not a valid URL"),
    ],
)
async def test_non_http_urls_refused(url, reason):
    with pytest.raises(RefusedURL) as err:
        await fetch(url, policy=FetchPolicy(timeout=1))
    assert str(err.value) == f"refused {url}: {reason}"


@pytest.mark.parametrize(
    "host, reason",
    [
        ("[::1]", "a loopback address (::1)"),
        ("[::ffff:127.0.0.1]", "an IPv4-mapped a loopback address (::ffff:7f00:1)"),
        ("[::ffff:10.0.0.1]", "an IPv4-mapped a private address (::ffff:a00:1)"),
        ("[fe80::1]", "a link-local address (fe80::1)"),
        ("[fd00::1]", "a private address (fd00::1)"),
        ("[::]", "an unspecified address (::)"),
        ("0.0.0.0", "an unspecified address (0.0.0.0)"),
        ("10.0.0.1", "a private address (10.0.0.1)"),
        ("192.168.1.1", "a private address (192.168.1.1)"),
        ("172.16.5.4", "a private address (172.16.5.4)"),
        ("224.0.0.251", "a multicast address (224.0.0.251)"),
        ("100.64.0.1", "an address that is not publicly routable (100.64.0.1)"),
        ("240.0.0.1", "a reserved address (240.0.0.1)"),
        ("[2002:7f00:1::1]", "a 6to4 address wrapping a loopback address (2002:7f00:1::1)"),
        ("[2002:a9fe:a9fe::]", "a 6to4 address wrapping a link-local address (2002:a9fe:a9fe::)"),
        ("[2002:c0a8:101::1]", "a 6to4 address wrapping a private address (2002:c0a8:101::1)"),
    ],
)
async def test_address_literals_refused_without_any_connection(host, reason):
    url = f"http://{host}/"
    with pytest.raises(RefusedAddress) as err:
        await fetch(url, policy=FetchPolicy(timeout=1))
    assert str(err.value) == f"refused {url}: the host is {reason}"


async def test_numeric_host_spellings_are_resolved_before_checking():
    # "2130706433" and "127.1" are 127.0.0.1 to getaddrinfo (no DNS query involved).
    for url in ("http://2130706433/", "http://127.1/", "http://0x7f000001/"):
        with pytest.raises(RefusedAddress) as err:
            await fetch(url, policy=FetchPolicy(timeout=1))
        assert "loopback address (127.0.0.1)" in str(err.value)


async def test_host_name_resolving_to_a_private_address_is_refused():
    calls: list[str] = []
    policy = FetchPolicy(resolver=fake_resolver({"intranet.example.com": ["10.0.0.1"]}, calls), timeout=1)
    url = "http://intranet.example.com/admin"
    with pytest.raises(RefusedAddress) as err:
        await fetch(url, policy=policy)
    assert str(err.value) == f"refused {url}: the host resolves to a private address (10.0.0.1)"
    assert calls == ["intranet.example.com"]


async def test_every_address_of_a_name_must_be_public():
    resolver = fake_resolver({"mixed.example.com": ["93.184.216.34", "192.168.0.10"]})
    with pytest.raises(RefusedAddress) as err:
        await fetch("https://mixed.example.com/", policy=FetchPolicy(resolver=resolver, timeout=1))
    assert "private address (192.168.0.10)" in str(err.value)


async def test_redirect_from_an_allowed_host_to_private_addresses_is_refused(http_server, policy):
    targets = {
        "/to-metadata": "http://169.254.169.254/latest/meta-data/iam/",
        "/to-private": "http://10.0.0.1/internal",
        "/to-ipv6-loopback": "http://[::1]/",
        "/to-file": "file:///etc/passwd",
    }
    for path, target in targets.items():
        http_server.redirect(path, target)
        with pytest.raises(RefusedURL) as err:
            await fetch(http_server.url(path), policy=policy)
        assert str(err.value).startswith(f"refused {target}: ")


async def test_redirect_to_a_name_resolving_privately_is_refused(http_server):
    calls: list[str] = []
    resolver = fake_resolver({"127.0.0.1": ["127.0.0.1"], "evil.example": ["10.1.2.3"]}, calls)
    policy = FetchPolicy(allow_hosts=LOCAL, resolver=resolver, timeout=1)
    http_server.redirect("/go", "http://evil.example/")
    with pytest.raises(RefusedAddress) as err:
        await fetch(http_server.url("/go"), policy=policy)
    assert "resolves to a private address (10.1.2.3)" in str(err.value)
    assert "evil.example" in calls


async def test_connection_goes_to_the_vetted_address_with_the_original_host_header(http_server):
    resolver = fake_resolver({"news.example": ["127.0.0.1"]})
    policy = FetchPolicy(allow_hosts=LOCAL, resolver=resolver, timeout=1)
    http_server.route("/story", "hi", content_type="text/plain")
    url = f"http://news.example:{http_server.port}/story"
    result = await fetch(url, policy=policy)
    assert result.text == "hi" and result.url == url
    assert http_server.requests_to("/story")[0].header("Host") == f"news.example:{http_server.port}"


async def test_dns_answer_changing_after_the_check_is_caught_at_connect(http_server):
    # First lookup (the per-hop check) says an allowed address; the lookup made when the
    # socket opens says another loopback address. The connection must not be made.
    answers = iter([["127.0.0.1"], ["127.0.0.2"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    policy = FetchPolicy(allow_hosts=LOCAL, resolver=rebinding, timeout=1)
    http_server.route("/", "secret", content_type="text/plain")
    url = f"http://rebind.example:{http_server.port}/"
    with pytest.raises(RefusedAddress) as err:
        await fetch(url, policy=policy)
    assert str(err.value) == f"refused {url}: the host resolves to a loopback address (127.0.0.2)"
    assert http_server.requests == []


async def test_allow_list_by_host_name(http_server):
    resolver = fake_resolver({"feeds.intranet": ["127.0.0.1"]})
    policy = FetchPolicy(allow_hosts=frozenset({"feeds.intranet"}), resolver=resolver, timeout=1)
    http_server.route("/rss", "<rss/>", content_type="application/rss+xml")
    result = await fetch(f"http://feeds.intranet:{http_server.port}/rss", policy=policy)
    assert result.text == "<rss/>"


# --------------------------------------------------------------------------- policy


def test_policy_from_env(monkeypatch):
    monkeypatch.setenv(ALLOW_HOSTS_ENV, " 127.0.0.1, [::1] ,Feeds.Intranet.,")
    policy = FetchPolicy.from_env()
    assert policy.allow_hosts == frozenset({"127.0.0.1", "::1", "feeds.intranet"})
    assert policy.max_bytes == 5 * 1024 * 1024 and policy.max_redirects == 5
    monkeypatch.delenv(ALLOW_HOSTS_ENV)
    assert FetchPolicy.from_env(timeout=3).allow_hosts == frozenset()


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700:4700::1111",
        "2001:4860:4860::8888",
        "2002:5db8:d822::1",
    ],  # 6to4 around a public IPv4 address
)
def test_public_addresses_pass(address):
    assert address_problem(ipaddress.ip_address(address)) is None


# --------------------------------------------------------------------------- TLS


async def test_https_keeps_sni_and_certificate_checks_on_the_vetted_connection(tmp_path):
    from httpserver import LocalHTTPServer, tls_contexts

    server_tls, client_tls = tls_contexts(tmp_path, ["news.example"])
    resolver = fake_resolver({"news.example": ["127.0.0.1"], "other.example": ["127.0.0.1"]})
    policy = FetchPolicy(allow_hosts=LOCAL, resolver=resolver, timeout=2)
    with LocalHTTPServer(tls=server_tls) as server:
        server.route("/story", "over tls", content_type="text/plain")
        async with make_client(policy, verify=client_tls) as client:
            url = f"https://news.example:{server.port}/story"
            result = await fetch(url, policy=policy, client=client)
            assert result.text == "over tls" and result.url == url
            assert server.requests_to("/story")[0].header("Host") == f"news.example:{server.port}"
            # Same address, a name the certificate does not cover: the check is by name.
            wrong = f"https://other.example:{server.port}/story"
            with pytest.raises(ConnectError) as err:
                await fetch(wrong, policy=policy, client=client)
    assert str(err.value) == (f"could not load {wrong}: the secure connection failed (bad or untrusted certificate)")
