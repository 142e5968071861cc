"""WSGI middleware that leaves no request body half read, so that a refused request leaves
its connection sound.

granian streams a body to the application as the client sends it, and closes a
connection whose request body the application left unread, after the answer and without
saying so. Django leaves bodies unread often: it refuses a body larger than
DATA_UPLOAD_MAX_MEMORY_SIZE with a 400 before reading any of it, a page that is not found
reads none, and a chunked body (no Content-Length) is never read. A client that then sends
its next request on the same keep-alive connection finds it gone.

So what the application left of a body is read here and thrown away, up to `drain_bytes`;
past that the answer says `Connection: close`, so the client knows not to send another
request on it. A request without a body (every GET) passes straight through.
"""

from collections.abc import Callable, Iterable
from typing import Any

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

CHUNK = 64 * 1024


class _CountingInput:
    """The server's input stream, counting what the application reads of it."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        data: bytes = self.stream.read(size) if size >= 0 else self.stream.read()
        self.consumed += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data: bytes = self.stream.readline(size) if size >= 0 else self.stream.readline()
        self.consumed += len(data)
        return data

    def __iter__(self) -> Any:
        return iter(self.readline, b"")


def _declared_length(environ: Environ) -> int | None:
    """The body's declared length; None for a chunked body, whose length is not known."""
    value = environ.get("CONTENT_LENGTH") or ""
    if value.isdigit():
        return int(value)
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return None
    return 0


def _discard(stream: Any, size: int) -> int:
    """Read and throw away up to `size` bytes; how many there were."""
    seen = 0
    while seen < size:
        part = stream.read(min(size - seen, CHUNK))
        if not part:
            break
        seen += len(part)
    return seen


class SoundBodies:
    """Read away what the application left of each request body (the module says why)."""

    def __init__(self, app: WSGIApp, *, drain_bytes: int) -> None:
        self.app = app
        self.drain_bytes = drain_bytes

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        length = _declared_length(environ)
        if length == 0:
            return self.app(environ, start_response)
        counted = _CountingInput(environ["wsgi.input"])
        environ["wsgi.input"] = counted
        answer: dict[str, Any] = {}

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer.update(status=status, headers=headers, exc_info=exc_info)
            return lambda data: None  # the legacy write(), which Django never calls

        result = self.app(environ, hold)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        headers = list(answer["headers"])
        if not self._drained(counted, length):
            headers = _closing(environ, headers)
        start_response(answer["status"], headers, answer["exc_info"])
        return [body]

    def _drained(self, counted: _CountingInput, length: int | None) -> bool:
        """Whether the body is now read to its end."""
        if length is None:  # chunked: read on to its end, one byte past the bound at most
            return _discard(counted.stream, self.drain_bytes + 1) <= self.drain_bytes
        left = length - counted.consumed
        return left <= self.drain_bytes and _discard(counted.stream, left) == left


def _closing(environ: Environ, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers, saying that the connection closes after this answer, where the server
    lets the application say so. PEP 3333 leaves hop-by-hop headers to the server, and
    wsgiref (runserver) refuses them; granian passes this one on, and closes the connection
    as it must with a body left unread. gunicorn reads what is left of a body itself."""
    if environ.get("SERVER_SOFTWARE") != "Granian":
        return headers
    return [*headers, ("Connection", "close")]
