"""A careful HTTP client for URLs typed by chat users.

The bots fetch whatever a stranger pastes into a channel, so every request is treated
as hostile: only http(s), only hosts whose every address is public (checked on each
redirect hop, and again when the socket is opened so a DNS answer cannot change under
us), a cap on redirects, on bytes and on total time, and only text content types.
Each refusal is a :class:`FetchError` whose ``str()`` is one sentence a chat user can
read.
"""

from __future__ import annotations

import asyncio
import codecs
import ipaddress
import logging
import os
import re
import socket
import ssl
import zlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urljoin

import httpcore
import httpx

log = logging.getLogger(__name__)

ALLOW_HOSTS_ENV = "BRIEFBOT_FETCH_ALLOW_HOSTS"
DEFAULT_USER_AGENT = "Briefbot/0.1 (+news briefing bot)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

#: Content types Briefbot knows how to read: pages, feeds and plain text.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/x-rss+xml",
    }
)
TEXT_TYPES = frozenset({"text/plain"})
ACCEPTED_TYPES = HTML_TYPES | FEED_TYPES | TEXT_TYPES

ACCEPT_HEADER = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,text/xml;q=0.9,text/plain;q=0.8"
)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]


# --------------------------------------------------------------------------- errors


class FailureKind(StrEnum):
    """How a fetch failed, carried by each ``FetchError`` class (``kind``): what metrics count."""

    REFUSED = "refused"
    REDIRECTS = "redirects"
    TOO_LARGE = "too_large"
    TIMEOUT = "timeout"
    HTTP_STATUS = "http_status"
    UNSUPPORTED = "unsupported_content"
    CONNECT = "connect"
    NOT_A_FEED = "not_a_feed"
    OTHER = "other"


class FetchError(Exception):
    """A URL could not be loaded; ``str()`` says why in one sentence, ``kind`` how it failed."""

    kind = FailureKind.OTHER

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{self.verb} {url}: {reason}")

    verb = "could not load"


class RefusedURL(FetchError):
    """The URL itself is not something Briefbot will fetch (scheme, shape)."""

    verb = "refused"
    kind = FailureKind.REFUSED


class RefusedAddress(RefusedURL):
    """The host is, or resolves to, an address that is not on the public internet."""


class TooManyRedirects(FetchError):
    """The redirect chain went on past the policy's cap."""

    kind = FailureKind.REDIRECTS


class TooLarge(FetchError):
    """The body is bigger than the policy's byte cap."""

    kind = FailureKind.TOO_LARGE


class FetchTimeout(FetchError):
    """The whole fetch (every hop and the body) took longer than the deadline."""

    kind = FailureKind.TIMEOUT


class HTTPStatusError(FetchError):
    """The server answered with an error status."""

    kind = FailureKind.HTTP_STATUS

    def __init__(self, url: str, reason: str, status: int) -> None:
        self.status = status
        super().__init__(url, reason)


class UnsupportedContent(FetchError):
    """The server sent something that is not a page, a feed or plain text."""

    kind = FailureKind.UNSUPPORTED


class ConnectError(FetchError):
    """The host could not be found or reached."""

    kind = FailureKind.CONNECT


# --------------------------------------------------------------------------- policy


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the event loop's getaddrinfo, so no thread blocks on DNS."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = str(sockaddr[0])
        if ip not in seen:
            seen.append(ip)
    return seen


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for one fetch; the defaults suit a chat bot reading news pages.

    ``allow_hosts`` exempts host names or IP addresses from the address check (tests
    serve on 127.0.0.1; an operator may allow an intranet feed). ``resolver`` is
    injectable so tests can make a name resolve to a private address without DNS.
    """

    allow_hosts: frozenset[str] = frozenset()
    max_bytes: int = 5 * 1024 * 1024
    timeout: float = 15.0
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    resolver: Resolver = field(default=system_resolver, compare=False, repr=False)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "FetchPolicy":
        """Read ``BRIEFBOT_FETCH_ALLOW_HOSTS`` (comma-separated names or addresses)."""
        env = os.environ if environ is None else environ
        raw = env.get(ALLOW_HOSTS_ENV, "")
        hosts = frozenset(_normalise_host(h) for h in raw.split(",") if h.strip())
        if hosts and "allow_hosts" not in overrides:
            overrides["allow_hosts"] = hosts
        return cls(**overrides)

    def allows_host(self, host: str) -> bool:
        return _normalise_host(host) in self.allow_hosts

    def allows_address(self, address: Address) -> bool:
        return str(address) in self.allow_hosts or (
            isinstance(address, ipaddress.IPv6Address)
            and address.ipv4_mapped is not None
            and str(address.ipv4_mapped) in self.allow_hosts
        )


def _normalise_host(host: str) -> str:
    """Lower-case, strip brackets and a trailing dot, and canonicalise IP literals."""
    h = host.strip().lower().strip("[]").rstrip(".")
    try:
        return str(ipaddress.ip_address(h))
    except ValueError:
        return h


# --------------------------------------------------------------------------- addresses


def address_problem(address: Address) -> str | None:
    """Why an address is not a public internet address, or None if it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        inner = address_problem(address.ipv4_mapped)
        return f"an IPv4-mapped {inner}" if inner else None
    if isinstance(address, ipaddress.IPv6Address) and address.sixtofour is not None:
        # 2002::/16 carries an IPv4 address in its next 32 bits; a relay delivers to it.
        inner = address_problem(address.sixtofour)
        if inner:
            return f"a 6to4 address wrapping {inner}"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "a site-local address"
    if not address.is_global:
        return "an address that is not publicly routable"
    return None


def _parse_ip(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


async def vetted_addresses(host: str, port: int, url: str, policy: FetchPolicy) -> list[str]:
    """Resolve ``host`` and return its addresses, refusing if any is not public.

    Every address must pass, not just the first: otherwise a name listing one public
    and one private address would let the connection land on the private one.
    """
    literal = _parse_ip(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            answers = await policy.resolver(host, port)
        except (OSError, UnicodeError) as exc:
            log.info("DNS lookup for %s failed: %s", host, exc)
            raise ConnectError(url, f"the host name {host} could not be resolved") from None
        addresses = [a for a in (_parse_ip(str(x)) for x in answers) if a is not None]
        if not addresses:
            raise ConnectError(url, f"the host name {host} could not be resolved")
    if policy.allows_host(host):
        return [str(a) for a in addresses]
    for address in addresses:
        if policy.allows_address(address):
            continue
        problem = address_problem(address)
        if problem:
            where = "the host is" if literal is not None else "the host resolves to"
            log.info("refused %s: %s %s (%s)", url, where, problem, address)
            raise RefusedAddress(url, f"{where} {problem} ({address})")
    return [str(a) for a in addresses]


class _VettingBackend(httpcore.AsyncNetworkBackend):
    """Resolves and vets at connect time, then connects to the vetted address only.

    httpcore still performs TLS with the URL's host name (SNI and certificate check)
    and sends its Host header: only the TCP connection uses the address we chose, so
    a DNS answer that changes between our check and the connect cannot redirect us.
    """

    def __init__(self, policy: FetchPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        url = f"{host}:{port}"
        addresses = await vetted_addresses(host, port, url, self._policy)
        last_error: Exception | None = None
        for ip in addresses:
            try:
                return await self._inner.connect_tcp(
                    ip,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("unix sockets are never used for remote fetches")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class VettedTransport(httpx.AsyncHTTPTransport):
    """An httpx transport whose every TCP connection goes to a vetted address."""

    def __init__(self, policy: FetchPolicy, verify: ssl.SSLContext | bool = True) -> None:
        ssl_context = (
            verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify, trust_env=False)
        )
        super().__init__(verify=ssl_context, trust_env=False)
        # httpx has no public hook for a network backend, so the pool it built is
        # swapped for one that opens sockets through ours. Fail loudly, rather than
        # fetch unvetted, if a future httpx stops keeping its pool there.
        if not isinstance(getattr(self, "_pool", None), httpcore.AsyncConnectionPool):
            raise RuntimeError("this httpx version keeps its connection pool elsewhere")
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=5.0,
            network_backend=_VettingBackend(policy),
        )


def make_client(policy: FetchPolicy | None = None, *, verify: ssl.SSLContext | bool = True) -> httpx.AsyncClient:
    """An AsyncClient that can only reach vetted addresses.

    ``trust_env=False`` matters: an HTTP(S)_PROXY variable would otherwise mount a
    proxy transport that connects wherever the proxy says, bypassing the vetting.
    ``verify`` takes an SSL context trusting a private CA (tests, intranet feeds).
    """
    policy = policy or FetchPolicy.from_env()
    return httpx.AsyncClient(
        transport=VettedTransport(policy, verify=verify),
        trust_env=False,
        follow_redirects=False,
        timeout=httpx.Timeout(policy.timeout),
        headers={"User-Agent": policy.user_agent, "Accept": ACCEPT_HEADER},
    )


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class FetchResult:
    """What a successful fetch returns.

    ``text`` is the body decoded by the HTTP charset, else the document's own
    declaration, else detection; ``content`` keeps the raw bytes for parsers (such as
    feedparser) that read the encoding declaration themselves.
    """

    url: str
    status: int
    content_type: str
    text: str
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    encoding: str | None = None
    redirects: tuple[str, ...] = ()


# --------------------------------------------------------------------------- fetch


def check_url(url: str) -> httpx.URL:
    """Parse a URL and refuse anything that is not plain http(s) with a host."""
    text = url.strip()
    try:
        parsed = httpx.URL(text)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise RefusedURL(url, "it is not a valid URL") from None
    if "%" in parsed.raw_host.decode("ascii", "replace"):
        raise RefusedURL(url, "it is not a valid URL (the host name has spaces or escapes)")
    scheme = parsed.scheme.lower()
    if not scheme:
        raise RefusedURL(url, "it has no scheme (only http:// and https:// URLs are fetched)")
    if scheme not in ("http", "https"):
        raise RefusedURL(url, f"only http and https URLs are fetched, not {scheme}:")
    if not parsed.host:
        raise RefusedURL(url, "it has no host name")
    return parsed


async def fetch(
    url: str,
    *,
    policy: FetchPolicy | None = None,
    client: httpx.AsyncClient | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResult:
    """GET ``url`` under ``policy``, following redirects ourselves.

    ``client`` should come from :func:`make_client` (its transport re-vets addresses at
    connect time); any client still gets the per-hop check here. The deadline covers
    all hops and the whole body, so a server dripping one byte a second cannot hold
    the bot past ``policy.timeout``.
    """
    policy = policy or FetchPolicy.from_env()
    if client is None:
        async with make_client(policy) as own:
            return await fetch(url, policy=policy, client=own, etag=etag, last_modified=last_modified)
    try:
        async with asyncio.timeout(policy.timeout):
            return await _fetch_hops(url, policy, client, etag, last_modified)
    except TimeoutError:
        log.info("fetch of %s timed out after %s", url, _seconds(policy.timeout))
        raise FetchTimeout(url, f"no complete answer within {_seconds(policy.timeout)}") from None
    except FetchError as exc:
        log.info("fetch failed: %s", exc)
        raise


async def _fetch_hops(
    url: str,
    policy: FetchPolicy,
    client: httpx.AsyncClient,
    etag: str | None,
    last_modified: str | None,
) -> FetchResult:
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    hops: list[str] = []
    while True:
        parsed = check_url(current)
        host = parsed.raw_host.decode("ascii")
        await vetted_addresses(host, parsed.port or _default_port(parsed), current, policy)
        request = client.build_request("GET", parsed, headers=headers)
        try:
            response = await client.send(request, stream=True, follow_redirects=False)
        except FetchError as exc:
            # Raised by the transport's connect-time check: name the URL, not host:port.
            raise type(exc)(current, exc.reason) from None
        except httpx.TimeoutException:
            raise FetchTimeout(current, f"no answer within {_seconds(policy.timeout)}") from None
        except httpx.HTTPError as exc:
            log.info("fetch of %s failed: %r", current, exc)
            raise ConnectError(current, _describe_transport_error(exc)) from None
        try:
            location = _redirect_target(response, current)
            if location is None:
                return await _read_response(url, current, response, policy, tuple(hops))
        finally:
            await response.aclose()
        hops.append(current)
        if len(hops) > policy.max_redirects:
            raise TooManyRedirects(url, f"it redirects more than {policy.max_redirects} times")
        log.debug("redirect %s -> %s", current, location)
        current = location


def _seconds(value: float) -> str:
    return "1 second" if value == 1 else f"{value:g} seconds"


def _default_port(parsed: httpx.URL) -> int:
    return 443 if parsed.scheme == "https" else 80


def _describe_transport_error(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        if "certificate" in text or "ssl" in text or "tls" in text:
            return "the secure connection failed (bad or untrusted certificate)"
        return "the server could not be reached (connection failed)"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server broke the HTTP protocol"
    return "the connection failed"


def _redirect_target(response: httpx.Response, current: str) -> str | None:
    if response.status_code not in REDIRECT_STATUSES:
        return None
    location = response.headers.get("Location")
    if not location:
        return None
    try:
        return urljoin(current, location.strip())
    except ValueError:
        raise RefusedURL(current, "it redirects to an invalid URL") from None


async def _read_response(
    original: str,
    current: str,
    response: httpx.Response,
    policy: FetchPolicy,
    hops: tuple[str, ...],
) -> FetchResult:
    status = response.status_code
    headers = {k.lower(): v for k, v in response.headers.items()}
    etag = response.headers.get("ETag")
    modified = response.headers.get("Last-Modified")
    if status == 304:
        return FetchResult(
            url=current,
            status=status,
            content_type="",
            text="",
            headers=headers,
            etag=etag,
            last_modified=modified,
            not_modified=True,
            redirects=hops,
        )
    if status >= 400 or status in REDIRECT_STATUSES:
        phrase = response.reason_phrase or ""
        raise HTTPStatusError(current, f"the server answered {status} {phrase}".rstrip(), status)
    mime, charset = _content_type(response.headers.get("Content-Type", ""))
    if mime and mime not in ACCEPTED_TYPES:
        raise UnsupportedContent(current, f"it is {mime}, not a web page, a feed or plain text")
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise TooLarge(current, _too_large_reason(policy.max_bytes, int(declared)))
    content = await _read_capped(response, current, policy.max_bytes)
    if not mime and b"\x00" in content[:2048]:
        raise UnsupportedContent(current, "it looks like a binary file, not text")
    text, encoding = decode_body(content, charset, mime)
    return FetchResult(
        url=current,
        status=status,
        content_type=mime or "text/plain",
        text=text,
        content=content,
        headers=headers,
        etag=etag,
        last_modified=modified,
        encoding=encoding,
        redirects=hops,
    )


def _too_large_reason(limit: int, size: int | None = None) -> str:
    if limit % (1 << 20) == 0:
        cap = f"{limit >> 20} MB"
    else:
        cap = f"{limit / 1_000_000:g} MB" if limit >= 100_000 else f"{limit:,} bytes"
    if size is None:
        return f"the response is larger than the {cap} limit"
    return f"the response is {size:,} bytes, over the {cap} limit"


async def _read_capped(response: httpx.Response, url: str, limit: int) -> bytes:
    """Read the decoded body, stopping as soon as it passes ``limit`` bytes.

    The body is inflated here, never more than the cap allows at a time: httpx would
    inflate each network read whole before we could count it, and a 64 KB read of a
    compression bomb is 64 MB of output.
    """
    inflate = _Inflater(response.headers.get("Content-Encoding", ""), url, limit)
    try:
        if inflate.stacked:
            # Several codings (rare): httpx undoes them; the cap is then checked per read.
            async for chunk in response.aiter_bytes():
                inflate.feed(chunk)
        else:
            async for raw in response.aiter_raw():
                inflate.feed(raw)
            inflate.finish()
    except httpx.TimeoutException:
        raise FetchTimeout(url, "the server stopped sending the page") from None
    except httpx.HTTPError as exc:
        log.info("reading %s failed: %r", url, exc)
        raise ConnectError(url, "the connection broke while reading the page") from None
    return b"".join(inflate.chunks)


class _Inflater:
    """Content-Encoding decoding (gzip, deflate; anything else kept as sent, as httpx
    does) with the byte cap applied to the output as it is produced."""

    def __init__(self, encoding: str, url: str, limit: int) -> None:
        self.url = url
        self.limit = limit
        self.total = 0
        self.chunks: list[bytes] = []
        codings = [c for c in (c.strip().lower() for c in encoding.split(",")) if c not in ("", "identity")]
        # A single zlib coding (what httpx's Accept-Encoding asks for) is inflated here;
        # several stacked codings are left to httpx, and unknown ones kept as sent.
        self.wbits: int | None = None
        self.raw_fallback = False
        self.stacked = len(codings) > 1
        if codings in (["gzip"], ["x-gzip"]):
            self.wbits = 16 + zlib.MAX_WBITS
        elif codings == ["deflate"]:
            self.wbits = zlib.MAX_WBITS
            self.raw_fallback = True  # some servers send deflate without the zlib header
        self.inflater = zlib.decompressobj(self.wbits) if self.wbits is not None else None
        self.started = False

    def _keep(self, data: bytes) -> None:
        self.total += len(data)
        if self.total > self.limit:
            raise TooLarge(self.url, _too_large_reason(self.limit))
        if data:
            self.chunks.append(data)

    def feed(self, data: bytes) -> None:
        if self.inflater is None:
            self._keep(data)
            return
        first = not self.started
        self.started = True
        try:
            self._inflate(data)
        except zlib.error:
            if not (first and self.raw_fallback):
                raise ConnectError(self.url, "the server sent a corrupt compressed body") from None
            self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            self.total, self.chunks = 0, []
            try:
                self._inflate(data)
            except zlib.error:
                raise ConnectError(self.url, "the server sent a corrupt compressed body") from None

    def _inflate(self, data: bytes) -> None:
        assert self.inflater is not None
        while data and not self.inflater.eof:
            # One byte past what the cap still allows is enough to know it is passed.
            self._keep(self.inflater.decompress(data, self.limit - self.total + 1))
            data = self.inflater.unconsumed_tail

    def finish(self) -> None:
        if self.inflater is not None:
            try:
                self._keep(self.inflater.flush())
            except zlib.error:
                raise ConnectError(self.url, "the server sent a corrupt compressed body") from None


def _content_type(header: str) -> tuple[str, str | None]:
    parts = [p.strip() for p in header.split(";")]
    mime = parts[0].lower() if parts else ""
    charset = None
    for p in parts[1:]:
        key, _, value = p.partition("=")
        if key.strip().lower() == "charset" and value:
            charset = value.strip().strip("\"'")
    return mime, charset


# --------------------------------------------------------------------------- decoding

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _known_codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().lower())
    except LookupError:
        return None
    # Browsers read latin-1 labels as windows-1252; so do we (curly quotes, euro sign).
    if codec.name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return codec.name


def decode_body(content: bytes, charset: str | None = None, mime: str = "") -> tuple[str, str]:
    """Decode by HTTP charset, else BOM, else meta/XML declaration, else detection."""
    for bom, name in _BOMS:
        if content.startswith(bom):
            return content.decode(name, errors="replace"), name
    declared = _known_codec(charset)
    if declared is None:
        head = content[:4096]
        match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
        declared = _known_codec(match.group(1).decode("ascii")) if match else None
    if declared:
        return content.decode(declared, errors="replace"), declared
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    guessed = _detect(content)
    return content.decode(guessed, errors="replace"), guessed


def _detect(content: bytes) -> str:
    """Guess a legacy encoding; windows-1252 wins any near tie.

    Detection on a short page is shaky (French in cp1252 reads as "Croatian in
    cp1250"), and windows-1252 is what browsers assume for undeclared Western pages,
    so it is kept whenever the detector finds it about as plausible as its favourite.
    """
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - charset_normalizer ships with httpx's extras
        return "cp1252"
    matches = list(from_bytes(content[:200_000]))
    if not matches:
        return "cp1252"
    best = min(m.chaos for m in matches)
    for m in matches:
        if _known_codec(m.encoding) == "cp1252" and m.chaos <= best + 0.05:
            return "cp1252"
    return _known_codec(matches[0].encoding) or "cp1252"
