"""What the application leaves of a request body is read away (lib/request_body.py); the
stories on real servers are in tests/test_connection_soundness.py."""

import io
from typing import Any

from undersigned.lib.request_body import SoundBodies


def refusing(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("400 Bad Request", [("Content-Type", "text/plain")])
    return [b"too large"]


def reading(size: int) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        data = environ["wsgi.input"].read(size)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [data]

    return app


def call(app: Any, body: bytes, *, server: str = "Granian", **environ: str) -> Any:
    stream = io.BytesIO(body)
    answer: dict[str, Any] = {}
    env = {"CONTENT_LENGTH": str(len(body)), "wsgi.input": stream, "SERVER_SOFTWARE": server}
    result = SoundBodies(app, drain_bytes=1000)(
        {**env, **environ}, lambda status, headers, exc=None: answer.update(h=headers, s=status)
    )
    return answer["s"], dict(answer["h"]), b"".join(result), stream


def test_it_reads_away_a_body_the_application_refused_unread() -> None:
    status, headers, body, stream = call(refusing, b"x" * 900)
    assert (status, body) == ("400 Bad Request", b"too large")
    assert stream.tell() == 900
    assert "Connection" not in headers


def test_it_reads_away_what_the_application_left_and_hands_it_what_it_read() -> None:
    _status, headers, body, stream = call(reading(10), b"0123456789" + b"y" * 500)
    assert body == b"0123456789"
    assert stream.tell() == 510
    assert "Connection" not in headers


def test_past_its_bound_it_says_the_connection_closes_and_reads_nothing_more() -> None:
    _status, headers, _body, stream = call(refusing, b"x" * 5000)
    assert headers["Connection"] == "close"
    assert stream.tell() == 0


def test_it_says_nothing_hop_by_hop_to_a_server_that_forbids_it() -> None:
    _status, headers, _body, _stream = call(refusing, b"x" * 5000, server="WSGIServer/0.2")
    assert "Connection" not in headers  # wsgiref (runserver) refuses hop-by-hop headers


def test_it_reads_a_chunked_body_to_its_end() -> None:
    _status, headers, _body, stream = call(
        refusing, b"z" * 700, CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert stream.tell() == 700
    assert "Connection" not in headers


def test_a_request_without_a_body_goes_straight_through() -> None:
    status, _headers, body, stream = call(reading(5), b"")
    assert (status, body, stream.tell()) == ("200 OK", b"", 0)
