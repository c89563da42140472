"""HTTP for the ``openai`` model: one request with a total deadline, a size cap, and a way to cancel it.

The standard library's ``http.client``, because a request must be bounded as a whole, not
read by read: a server that drips one byte at a time would otherwise hold a 2-second
timeout for minutes. Each request (``Call``) has a watchdog that shuts its socket when the
deadline passes, whatever phase the request is in (connecting, sending, waiting for
headers, reading); the deadline starts when the request is sent, so time spent waiting
for a free slot on this side never counts. ``cancel()`` shuts it at once from any thread;
a streamed request cancelled this way is cancelled at the server too (llama.cpp and vLLM
stop generating when the client goes away). A response larger than ``MAX_RESPONSE_BYTES``
is refused.

Failures are typed (``Refused``, ``Unreachable``, ``Lost``, ``TimedOut``, ``TooLarge``,
``Cancelled``) and their messages never quote a request header. Proxies: the usual
environment variables (``https_proxy``, ``http_proxy``, ``no_proxy``), never for a server on
this machine.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from bench.redact import MASK, redact_url
from bench.version import __version__

MAX_RESPONSE_BYTES = 16 * 1024 * 1024  # a 4096-token answer streamed is about 1 MB
READ_SIZE = 65536
# a shorter secret cannot be told from ordinary text, so it is not searched for in what a server
# sends back (masking it would garble answers); it is never shown as part of a URL either way
MIN_SECRET = 8


class HttpFailure(Exception):
    """A request that got no HTTP response; ``detail`` says why, without any header or secret."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class Refused(HttpFailure):
    """Nothing listens at the address (the server is down, or restarting)."""


class Unreachable(HttpFailure):
    """The address cannot be used: an unknown host, no route, a TLS failure."""


class Lost(HttpFailure):
    """The connection broke after it was made (reset, closed before the response was complete)."""


class TimedOut(HttpFailure):
    """The whole request took longer than its deadline."""


class TooLarge(HttpFailure):
    """The response was larger than the cap."""


class Cancelled(HttpFailure):
    """The request was cancelled from this side (the run is ending)."""


@dataclass(frozen=True)
class Endpoint:
    """A base URL taken apart: where to connect, the path prefix, how to show it, and its secrets."""

    scheme: str
    host: str
    port: int
    prefix: str  # the base URL's path, without a trailing slash: "/v1"
    query: str
    shown: str  # the URL as messages and records show it (no credential)
    secrets: tuple[str, ...] = ()  # what must never be written: a password, secret query values, the auth header
    auth: str | None = None  # an Authorization header made from user-info in the URL
    loopback: bool = False

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        """``url`` taken apart; ``ValueError`` for one that is not http(s)://HOST[:PORT][/PATH]."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError("expected http://HOST[:PORT]/PATH or https://…")
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)  # ValueError for a bad port
        secrets, auth = [], None
        if parts.username is not None or parts.password is not None:
            user, password = unquote(parts.username or ""), unquote(parts.password or "")
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            auth = f"Basic {token}"
            secrets += [password, token, parts.netloc.rpartition("@")[0]]  # the user name alone is no secret
        shown = redact_url(url)
        given = parse_qsl(parts.query, keep_blank_values=True)
        masked = parse_qsl(urlsplit(shown).query, keep_blank_values=True)
        secrets += [value for (_, value), (_, mask) in zip(given, masked) if mask == MASK and value and value != MASK]
        host = parts.hostname
        return cls(scheme=parts.scheme.lower(), host=host, port=port, prefix=parts.path.rstrip("/"),
                   query=parts.query, shown=shown.rstrip("/"),
                   secrets=tuple(sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True)),
                   auth=auth, loopback=_is_loopback(host))

    def target(self, path: str, *, root: bool = False) -> str:
        """The request target of ``path`` under the base URL (or, ``root``, under the server's root)."""
        prefix = self.prefix
        if root:
            prefix = prefix[:-3] if prefix.endswith("/v1") else prefix
        return f"{prefix}{path}" + (f"?{self.query}" if self.query else "")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Reply:
    """A response: its status, headers and body (the whole of it, within the cap)."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes
    elapsed: float = 0.0

    @property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";")[0].strip().lower()


def _proxy(endpoint: Endpoint) -> tuple[str, int, str | None] | None:
    """(host, port, Proxy-Authorization) of the proxy the environment names for ``endpoint``, if any."""
    if endpoint.loopback:
        return None
    import urllib.request

    url = urllib.request.getproxies().get(endpoint.scheme)
    if not url or urllib.request.proxy_bypass(endpoint.host):
        return None
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if not parts.hostname:
        return None
    auth = None
    if parts.username is not None:
        token = base64.b64encode(f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()).decode()
        auth = f"Basic {token}"
    return parts.hostname, parts.port or 8080, auth


@dataclass(eq=False)
class Call:
    """One request, bounded by ``timeout`` seconds from when it is sent and ``max_bytes`` of response."""

    endpoint: Endpoint
    timeout: float
    max_bytes: int = MAX_RESPONSE_BYTES
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _sock: socket.socket | None = field(default=None, repr=False)
    _expired: bool = False
    _cancelled: bool = False

    def cancel(self) -> None:
        """End the request at once (from any thread): its socket is shut, so the server sees it go."""
        with self._lock:
            self._cancelled = True
        self._shut()

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
        self._shut()

    def _shut(self) -> None:
        with self._lock:
            sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _connection(self) -> tuple[http.client.HTTPConnection, bool, str | None]:
        """The connection to open, whether requests go through an HTTP proxy (absolute targets), and the
        proxy's Proxy-Authorization."""
        endpoint = self.endpoint
        proxy = _proxy(endpoint)
        if endpoint.scheme == "https":
            context = ssl.create_default_context()
            if proxy is None:
                return http.client.HTTPSConnection(endpoint.host, endpoint.port, timeout=self.timeout,
                                                   context=context), False, None
            conn = http.client.HTTPSConnection(proxy[0], proxy[1], timeout=self.timeout, context=context)
            conn.set_tunnel(endpoint.host, endpoint.port,
                            headers={"Proxy-Authorization": proxy[2]} if proxy[2] else None)
            return conn, False, None
        if proxy is None:
            return http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=self.timeout), False, None
        return http.client.HTTPConnection(proxy[0], proxy[1], timeout=self.timeout), True, proxy[2]

    def run(self, method: str, target: str, body: bytes | None = None, headers: dict | None = None,
            on_data=None) -> Reply:
        """Send the request and read the whole response; an ``HttpFailure`` when there is none to read.

        ``on_data(chunk)`` is called with each piece of the body as it arrives (progress).
        """
        endpoint = self.endpoint
        conn, absolute, proxy_auth = self._connection()
        headers = {"User-Agent": f"claimbench/{__version__}", **(headers or {})}
        if absolute:
            target = f"http://{endpoint.host}:{endpoint.port}{target}"
            if proxy_auth:
                headers["Proxy-Authorization"] = proxy_auth
        watchdog = threading.Timer(self.timeout, self._expire)
        watchdog.daemon = True
        started = time.monotonic()
        watchdog.start()
        try:
            try:
                conn.connect()
            except ConnectionRefusedError as exc:
                raise Refused(_describe(exc)) from None
            except (socket.gaierror, ssl.SSLError, ssl.CertificateError) as exc:
                raise Unreachable(_describe(exc)) from None
            except (TimeoutError, socket.timeout):
                raise TimedOut(f"no connection within {self.timeout:g} s") from None
            except OSError as exc:
                if self._cancelled:
                    raise Cancelled("cancelled") from None
                if self._expired:
                    raise TimedOut(f"no connection within {self.timeout:g} s") from None
                raise Unreachable(_describe(exc)) from None
            with self._lock:
                self._sock = conn.sock
                stop = self._expired or self._cancelled
            if stop:
                self._shut()
            conn.request(method, target, body=body, headers=headers)
            response = conn.getresponse()
            chunks, size = [], 0
            while True:
                data = response.read1(READ_SIZE)
                if not data:
                    break
                size += len(data)
                if size > self.max_bytes:
                    raise TooLarge(f"the response is larger than {self.max_bytes // (1024 * 1024)} MiB")
                chunks.append(data)
                if on_data is not None:
                    on_data(data)
                if time.monotonic() - started > self.timeout:
                    raise TimedOut(f"the response took longer than {self.timeout:g} s")
            if self._expired:
                raise TimedOut(f"no complete response within {self.timeout:g} s")
            if self._cancelled:
                raise Cancelled("cancelled")
            if response.length:  # the body ended before Content-Length said it would
                raise Lost("the connection closed before the response was complete")
            return Reply(response.status, response.headers, b"".join(chunks), time.monotonic() - started)
        except HttpFailure:
            raise
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if self._cancelled:
                raise Cancelled("cancelled") from None
            if self._expired or isinstance(exc, (TimeoutError, socket.timeout)):
                raise TimedOut(f"no complete response within {self.timeout:g} s") from None
            raise Lost(_describe(exc)) from None
        finally:
            watchdog.cancel()
            conn.close()


def _describe(exc: BaseException) -> str:
    """An exception as a short phrase: its own words, never a header (these exceptions carry none)."""
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without a response"
    if isinstance(exc, http.client.IncompleteRead):
        return "the connection closed before the response was complete"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
