"""`undersigned check --deploy` finds nothing to warn about in the production configuration
docs/deploy.md gives, and a server started with it answers with every security header and
only __Host- cookies.

Settings are read once, when a process starts, so both run real `undersigned` processes
with that environment and a data directory of their own: what an operator would run.
"""

import http.client
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.mail.conftest import Relay, serving
from tests.processes import environment_for_another_process, free_port, stop

HOST = "petitions.example"
# docs/deploy.md, "Security settings": the least a production environment sets.
PRODUCTION = {
    "BASE_URL": f"https://{HOST}",
    "ALLOWED_HOSTS": HOST,
    "EMAIL_URL": "smtp+tls://apikey:relay-password@smtp.relay.example:587",
}
# What the test run's own environment may hold that an operator's does not.
NOT_IN_PRODUCTION = ("PYTEST_VERSION", "DEBUG", "UNDERSIGNED_DEMO", "SECURE_SSL_REDIRECT")
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def production_environment(tmp_path: Path) -> dict[str, str]:
    env = environment_for_another_process(
        tmp_path, SECRET_KEY=secrets.token_urlsafe(50), **PRODUCTION
    )
    for name in NOT_IN_PRODUCTION:
        env.pop(name, None)
    return env


def undersigned(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "undersigned.cli", *args],
        env=production_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_finds_no_issues(tmp_path: Path) -> None:
    done = undersigned(tmp_path, "check", "--deploy")
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    assert "System check identified no issues (1 silenced)." in output, output


def test_the_deploy_check_warns_where_https_is_not_configured(tmp_path: Path) -> None:
    """The check is worth passing: without the production settings it does warn."""
    env = production_environment(tmp_path)
    env["BASE_URL"] = f"http://{HOST}"
    done = subprocess.run(
        [sys.executable, "-m", "undersigned.cli", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert "security.W004" in output and "security.W008" in output  # no HSTS, no redirect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """`undersigned serve` in the production configuration, behind no proxy but one the
    test plays: X-Forwarded-Proto says whether the visitor came over HTTPS."""
    data = tmp_path_factory.mktemp("production")
    migrated = undersigned(data, "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    log = (data / "serve.log").open("w")
    # allauth mails an organiser who signs up at once, through a relay that must exist.
    with serving(Relay(port=free_port())) as relay:
        process = subprocess.Popen(
            [sys.executable, "-m", "undersigned.cli", "serve", "--addr", f"127.0.0.1:{port}"],
            env={**production_environment(data), "EMAIL_URL": relay.url},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        yield from _answering(port, process, data)
    log.close()


def _answering(port: int, process: subprocess.Popen[bytes], data: Path) -> Iterator[int]:
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, (data / "serve.log").read_text()
        try:
            request(port, "GET", "/")
            break
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail("undersigned serve did not answer within 60 s")
            time.sleep(0.2)
    try:
        yield port
    finally:
        stop([process])


def request(
    port: int,
    method: str,
    path: str,
    *,
    https: bool = True,
    body: str = "",
    headers: dict[str, str] | None = None,
) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = {"Host": HOST, **({"X-Forwarded-Proto": "https"} if https else {}), **(headers or {})}
    connection.request(method, path, body=body or None, headers=sent)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def directives(policy: str) -> dict[str, str]:
    """A Content-Security-Policy as its directives, whose order does not matter."""
    return dict(part.strip().partition(" ")[::2] for part in policy.split(";"))


def cookies(response: http.client.HTTPResponse) -> list[str]:
    return response.headers.get_all("Set-Cookie") or []


def test_every_answer_over_https_carries_the_security_headers(server: int) -> None:
    for path in ["/", "/accounts/login/", "/what-we-keep/", "/letters/no-such-letter/"]:
        headers = request(server, "GET", path).headers
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert directives(headers["Content-Security-Policy"]) == directives(POLICY)
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY"


def test_plain_http_is_sent_to_https_even_for_a_page_just_cached(server: int) -> None:
    assert request(server, "GET", "/").status == 200  # kept by the page cache for a second
    redirected = request(server, "GET", "/", https=False)
    assert redirected.status == 301
    assert redirected.headers["Location"] == f"https://{HOST}/"


def test_a_page_whose_address_holds_a_token_sends_only_the_origin(server: int) -> None:
    for path in ["/confirm/not-a-token/", "/signature/not-a-token/", "/unsubscribe/x/"]:
        assert request(server, "GET", path).headers["Referrer-Policy"] == "strict-origin"


def test_the_cookies_it_sets_are_host_only_secure_and_prefixed(server: int) -> None:
    login = request(server, "GET", "/accounts/signup/")
    set_cookies = cookies(login)
    assert [c.split("=", 1)[0] for c in set_cookies] == ["__Host-csrftoken"]
    csrf = SimpleCookie(set_cookies[0])["__Host-csrftoken"]
    assert csrf["secure"] and csrf["path"] == "/" and not csrf["domain"]

    signed_up = request(
        server,
        "POST",
        "/accounts/signup/",
        body=f"csrfmiddlewaretoken={csrf.value}&email=olu%40campaign.example"
        "&password1=a+long+organiser+password&password2=a+long+organiser+password",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"__Host-csrftoken={csrf.value}",
            "Origin": f"https://{HOST}",
        },
    )
    assert signed_up.status == 302, signed_up.headers
    names = {c.split("=", 1)[0] for c in cookies(signed_up)}
    assert "__Host-sessionid" in names
    assert all(name.startswith("__Host-") for name in names), names
    session = next(c for c in cookies(signed_up) if c.startswith("__Host-sessionid="))
    attributes = {part.strip().split("=", 1)[0].lower() for part in session.split(";")[1:]}
    assert {"secure", "httponly", "path", "samesite"} <= attributes
    assert "domain" not in attributes
    assert re.search(r"SameSite=Lax", session) and re.search(r"Max-Age=43200", session)
