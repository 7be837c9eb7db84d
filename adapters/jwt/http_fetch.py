"""GET a small document over HTTP(S) within one deadline, whatever the server does.

urllib's `timeout` bounds each blocking step on its own (connecting to one address,
one read), so a server sending a few bytes before each step ran out kept a fetch
alive as long as it liked: 64 bytes every 4 s held a 5 s fetch for most of a minute.
Here every step gets only what is left of one deadline: each address tried, the
TLS handshake, and every read of the status line, the headers and the body. (The
name lookup is the resolver's, with its own timeouts, and not the server's to
stretch.)
"""

import http.client
import io
import socket
import time
import urllib.error
import urllib.request
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
    """`socket.create_connection`, with every address tried sharing the deadline.

    `timeout` is urllib's for each step, which the deadline replaces.
    The socket comes back with what is then left as its timeout: the TLS handshake
    and the request that follow fit in the deadline too.
    """
    host, port = address
    failure: OSError = OSError(f"{host} has no address")
    for family, kind, protocol, _, where in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM):
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
