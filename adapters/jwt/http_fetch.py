"""GET a small document over HTTP(S) within one deadline, whatever the server does.

urllib's `timeout` bounds each blocking step on its own (connecting to one address,
one read), so a server sending a few bytes before each step ran out kept a fetch
alive as long as it liked: 64 bytes every 4 s held a 5 s fetch for most of a minute.
Here every step gets only what is left of one deadline: the name lookup, each
address tried, the TLS handshake, and every read of the status line, the headers
and the body. `getaddrinfo` takes no timeout, so the lookup runs in a thread of its
own that the fetch waits for no longer than the deadline (a hung resolver, or a
name server answering slowly, held a fetch as long as they liked); the addresses it
finds are then connected to, while TLS, SNI and the Host header still use the name.
"""

import http.client
import io
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from functools import partial
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer


class Deadline:
    """A moment on the monotonic clock that every step of one fetch must end by."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        """The seconds left; TimeoutError when none are."""
        left = self._end - time.monotonic()
        if left <= 0:
            raise TimeoutError("the fetch ran out of time")
        return left


def download(url: str, timeout_seconds: float, max_bytes: int) -> bytes:
    """The body of a 200 answer to a GET of `url`, read within `timeout_seconds`.

    Redirects are followed only on the same host and never from https to http (a
    key set's host is trusted, not every host it points to). Raises OSError when the
    server cannot be reached in time, answers anything but 200, or redirects
    elsewhere; ValueError for a body over `max_bytes`; http.client.HTTPException
    when the answer is not HTTP.
    """
    deadline = Deadline(timeout_seconds)
    opener = urllib.request.build_opener(
        _HttpHandler(deadline), _HttpsHandler(deadline), _SameHostRedirects()
    )
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with opener.open(request, timeout=deadline.remaining()) as response:
            body: bytes = response.read(max_bytes + 1)
            status: int = response.status
    except urllib.error.HTTPError as error:
        error.close()  # an answer that is no success, or a redirect not followed
        raise
    if status != 200:
        raise ValueError("the server did not answer 200")
    if len(body) > max_bytes:
        raise ValueError("the document is too large")
    return body


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to the same host, and never from https to http."""

    def redirect_request(  # noqa: PLR0917 (urllib's signature)
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        if new.hostname != old.hostname or new.scheme not in {old.scheme, "https"}:
            return None  # urllib then raises the redirect as an HTTPError
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _HttpHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)

    def _connection(self, host: str, /, **options: Any) -> http.client.HTTPConnection:
        return _HttpConnection(host, self._deadline, **options)


class _HttpsHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)

    def _connection(self, host: str, /, **options: Any) -> http.client.HTTPConnection:
        return _HttpsConnection(host, self._deadline, **options)


class _HttpConnection(http.client.HTTPConnection):
    def __init__(self, host: str, deadline: Deadline, **options: Any) -> None:
        super().__init__(host, **options)
        # http.client connects through this attribute, and reads through response_class.
        self._create_connection = partial(_connect, deadline)
        self.response_class = _response_class(deadline)


class _HttpsConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, deadline: Deadline, **options: Any) -> None:
        super().__init__(host, **options)
        self._create_connection = partial(_connect, deadline)
        self.response_class = _response_class(deadline)


def _connect(
    deadline: Deadline,
    address: tuple[str, int],
    timeout: object = None,
    source_address: tuple[str, int] | None = None,
) -> socket.socket:
    """`socket.create_connection`, with the lookup and every address tried sharing the deadline.

    `timeout` is urllib's for each step, which the deadline replaces.
    The socket comes back with what is then left as its timeout: the TLS handshake
    and the request that follow fit in the deadline too.
    """
    host, port = address
    failure: OSError = OSError(f"{host} has no address")
    for family, kind, protocol, _, where in _resolve(host, port, deadline):
        sock = socket.socket(family, kind, protocol)
        try:
            sock.settimeout(deadline.remaining())
            if source_address is not None:
                sock.bind(source_address)
            sock.connect(where)
            sock.settimeout(deadline.remaining())
        except OSError as error:
            sock.close()
            failure = error
        else:
            return sock
    raise failure


# What `socket.getaddrinfo` answers: family, type, protocol, canonical name, address.
_AddressInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple[Any, ...]]

# Name lookups still running, each in a thread of its own, at most this many at once.
# A lookup the resolver hangs outlives its fetch (a thread cannot be stopped, and it is a
# daemon so it never holds up the exit), then ends when the resolver gives up. JwksKeys
# runs one fetch at a time, and a fetch leaves at most one lookup behind: a redirect's
# lookup starts only once the one before it ended, so only the lookup its deadline cut
# short can still run. But with a cooldown of 0, attempts follow one another at the pace
# of the timeout, and a resolver that never gives up (a hung NSS module) would pile up a
# thread per attempt. This cap bounds them whatever the callers: once it is reached, a
# fetch waits for a lookup to end within its own deadline, else times out like any step.
MAX_LOOKUPS = 4
_lookups = threading.BoundedSemaphore(MAX_LOOKUPS)
LOOKUP_THREAD_NAME = "http_fetch name lookup"


class _Lookup:
    """`socket.getaddrinfo(host, port)` for stream sockets, in a daemon thread."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._done = threading.Event()
        self._addresses: Sequence[_AddressInfo] = ()
        self._failure: Exception | None = None

    def start(self) -> None:
        threading.Thread(target=self._run, name=LOOKUP_THREAD_NAME, daemon=True).start()

    def addresses(self, seconds: float) -> Sequence[_AddressInfo]:
        """The addresses found, if the lookup ends within `seconds`; else TimeoutError."""
        if not self._done.wait(seconds):
            raise TimeoutError("the fetch ran out of time looking up the name")
        if self._failure is not None:
            raise self._failure
        return self._addresses

    def _run(self) -> None:
        try:
            self._addresses = socket.getaddrinfo(self._host, self._port, 0, socket.SOCK_STREAM)
        except Exception as error:  # handed to the fetch, whose error it is
            self._failure = error
        finally:
            _lookups.release()
            self._done.set()


def _resolve(host: str, port: int, deadline: Deadline) -> Sequence[_AddressInfo]:
    """The addresses `host` has, looked up within what is left of the deadline."""
    if not _lookups.acquire(timeout=deadline.remaining()):
        raise TimeoutError("the fetch ran out of time waiting for earlier name lookups")
    lookup = _Lookup(host, port)
    try:
        lookup.start()
    except BaseException:
        _lookups.release()  # no thread, so nobody else gives the slot back
        raise
    return lookup.addresses(deadline.remaining())


def _response_class(deadline: Deadline) -> type[http.client.HTTPResponse]:
    class Response(http.client.HTTPResponse):
        """An answer whose status line, headers and body are all read by the deadline."""

        def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
            super().__init__(sock, *args, **kwargs)
            self.fp = io.BufferedReader(_ReaderInTime(sock, self.fp.detach(), deadline))

    return Response


class _ReaderInTime(io.RawIOBase):
    """A socket's reader that gives each read only what is left of the deadline.

    It reads through the reader `makefile` gave the answer rather than the socket
    itself: that reader keeps the socket open once urllib closes the connection.
    """

    def __init__(self, sock: socket.socket, reader: io.RawIOBase, deadline: Deadline) -> None:
        super().__init__()
        self._sock = sock
        self._reader = reader
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "WriteableBuffer") -> int | None:
        self._sock.settimeout(self._deadline.remaining())
        return self._reader.readinto(buffer)

    def close(self) -> None:
        self._reader.close()
        super().close()
