"""Issue 10, item 8: a refused request leaves its connection sound.

Each story opens a raw TCP connection to a real web server (`undersigned serve`, granian,
and gunicorn's threaded worker, which docs/serving.md offers instead) and speaks HTTP/1.1
on it by hand, as a client that keeps its connection alive does.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import database_url_of_test_database, free_port, wait_for_other_sessions_to_end
from undersigned.letters.models import Letter

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 2_621_440  # DATA_UPLOAD_MAX_MEMORY_SIZE, Django's default and ours


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=15)
        return sock


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def read_response(sock: socket.socket) -> Response:
    """One whole response, by its Content-Length; fails if the connection ends first."""
    data = b""
    while b"\r\n\r\n" not in data:
        part = sock.recv(65536)
        assert part, f"the connection closed before a whole response head: {data[:200]!r}"
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        part = sock.recv(65536)
        assert part, "the connection closed in the middle of a response body"
        body += part
    return Response(int(status_line.split()[1]), headers, body[:length])


def closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def post_head(server: Server, path: str, length: int) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Origin: http://127.0.0.1:{server.port}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def get(server: Server, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode()


def wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.process.poll() is None, server.log.read_text()
        try:
            with server.connect() as sock:
                sock.sendall(get(server, "/"))
                if read_response(sock).status == 200:
                    return
        except (OSError, AssertionError):
            time.sleep(0.1)
    pytest.fail(f"the server did not answer within 30 s:\n{server.log.read_text()}")


def start(tmp_path: Path, command: list[str], port: int, **extra: str) -> Server:
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_database(),
        "BASE_URL": f"http://127.0.0.1:{port}",
        "UNDERSIGNED_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "connection-soundness",
        "SIGNATURE_RATE_LIMIT": "100000/h",
        "SIGNATURE_HARD_LIMIT": "0",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(extra)
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(port, process, log)
    wait_until_serving(server)
    return server


def granian(tmp_path: Path) -> Server:
    port = free_port()
    serve = ["serve", "--addr", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"]
    return start(tmp_path, [sys.executable, "-m", "undersigned.cli", *serve], port)


def gunicorn(tmp_path: Path) -> Server:
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "undersigned.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2",
        "--worker-class", "gthread",
    ]  # fmt: skip
    return start(tmp_path, command, port, DJANGO_SETTINGS_MODULE="undersigned.settings")


def stop(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait()
    wait_for_other_sessions_to_end()


@pytest.fixture(params=["granian", "gunicorn"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    started = granian(tmp_path) if request.param == "granian" else gunicorn(tmp_path)
    try:
        yield started
    finally:
        stop(started)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Server]:
    """`undersigned serve` alone, for what depends on granian's handling of connections."""
    started = granian(tmp_path)
    try:
        yield started
    finally:
        stop(started)


def sign_path(letter: Letter) -> str:
    return f"/letters/{letter.slug}/sign/"


def test_it_answers_the_next_request_after_refusing_an_oversized_sign_post(
    petition: Letter, server: Server
) -> None:
    body = b"name=" + b"x" * (LIMIT + 1000)
    page = f"/letters/{petition.slug}/"
    for attempt in range(30):
        with server.connect() as sock:
            sock.sendall(post_head(server, sign_path(petition), len(body)) + body)
            refused = read_response(sock)
            assert refused.status == 400, attempt
            sock.sendall(get(server, page))
            following = read_response(sock)
            assert following.status == 200, attempt
            assert petition.title.encode() in following.body
            assert len(following.body) == int(following.headers["content-length"])


def test_it_says_it_closes_the_connection_after_a_body_too_large_to_read_away(
    petition: Letter, served: Server
) -> None:
    length = 17 * 1024 * 1024  # past REQUEST_BODY_DRAIN_BYTES, 16 MiB
    with served.connect() as sock:
        sock.sendall(post_head(served, sign_path(petition), length) + b"name=x")
        refused = read_response(sock)
        assert refused.status == 400
        assert refused.headers["connection"] == "close"
    with served.connect() as sock:  # and the server goes on serving
        sock.sendall(get(served, f"/letters/{petition.slug}/"))
        assert read_response(sock).status == 200


def test_it_serves_others_while_a_body_stalls_and_recovers_when_its_client_leaves(
    petition: Letter, served: Server
) -> None:
    stalled = served.connect()
    stalled.sendall(post_head(served, sign_path(petition), 1000) + b"name=Slow+Sam")
    for _ in range(3):  # other visitors, meanwhile, are served at once
        with served.connect() as other:
            started = time.monotonic()
            other.sendall(get(served, f"/letters/{petition.slug}/"))
            assert read_response(other).status == 200
            assert time.monotonic() - started < 1
    stalled.close()  # granian has no deadline for a body: the read ends when the client goes
    time.sleep(0.5)
    for _ in range(4):  # both request threads are free again
        with served.connect() as sock:
            sock.sendall(get(served, f"/letters/{petition.slug}/"))
            assert read_response(sock).status == 200
    assert "Traceback" not in served.log.read_text()


def test_it_answers_a_trickled_body_once_it_is_whole_and_keeps_the_connection(
    petition: Letter, served: Server
) -> None:
    body = b"name=Trickling+Tom&email=not-an-address"
    with served.connect() as sock:
        sock.sendall(post_head(served, sign_path(petition), len(body)))
        for byte in body:
            sock.sendall(bytes([byte]))
            time.sleep(0.02)
        answer = read_response(sock)
        assert answer.status == 400  # the form again, the address refused
        assert b"Trickling Tom" in answer.body
        sock.sendall(get(served, f"/letters/{petition.slug}/"))
        assert read_response(sock).status == 200


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nine\r\n\r\n",
        b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
    ],
    ids=["request-line", "header-line", "content-length", "nul-in-path"],
)
def test_it_answers_a_malformed_request_400(request_bytes: bytes, served: Server) -> None:
    with served.connect() as sock:
        sock.sendall(request_bytes)
        answer = read_response(sock)
        assert answer.status == 400
        assert closed_by_server(sock)
    with served.connect() as sock:
        sock.sendall(get(served, "/"))
        assert read_response(sock).status == 200


def test_it_survives_a_body_shorter_than_declared_then_a_closed_connection(
    petition: Letter, served: Server
) -> None:
    for _ in range(5):
        with served.connect() as sock:
            sock.sendall(post_head(served, sign_path(petition), 5000) + b"name=Gone")
            sock.shutdown(socket.SHUT_WR)  # the client is gone
            try:
                answer = read_response(sock)
                assert answer.status == 400
            except (AssertionError, ConnectionResetError):
                pass  # the server may also just close: nobody is there to read it
    with served.connect() as sock:
        sock.sendall(get(served, f"/letters/{petition.slug}/"))
        started = time.monotonic()
        assert read_response(sock).status == 200
        assert time.monotonic() - started < 1
    assert "Traceback" not in served.log.read_text()
