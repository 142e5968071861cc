"""The `undersigned` command: demo, serve, worker, and every manage.py command."""

import argparse
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import NoReturn

DEFAULT_ADDR = "127.0.0.1:8000"


def _split_addr(addr: str) -> tuple[str, int]:
    host, _, port = addr.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(f"undersigned: --addr wants HOST:PORT, got {addr!r}")
    return host.strip("[]"), int(port)


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
    import django

    django.setup()


def _manage(argv: Sequence[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["undersigned", *argv])


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _require_free(host: str, port: int) -> None:
    """Refuse a taken address: granian would share it with the other server, silently."""
    with socket.socket(_family(host)) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past connections are fine
        try:
            sock.bind((host, port))
        except OSError as error:
            message = f"undersigned: cannot listen on {host}:{port}: {error.strerror}"
            if error.errno == errno.EADDRINUSE:
                message += " (is undersigned running already? --addr HOST:PORT picks another)"
            raise SystemExit(message) from None


def serve(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(prog="undersigned serve")
    parser.add_argument("--addr", default=os.environ.get("UNDERSIGNED_ADDR", DEFAULT_ADDR))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "2")))
    args = parser.parse_args(argv)
    host, port = _split_addr(args.addr)
    _require_free(host, port)
    _django_setup()  # fail here, with Django's message, on a bad configuration
    # Loaded before granian forks its workers, the application's modules (every view,
    # through the URL conf) are shared by them all: each worker process then costs the
    # memory of what it alone writes.
    from django.urls import get_resolver
    from granian import Granian
    from granian.constants import Interfaces

    get_resolver().url_patterns  # noqa: B018  # loading them is the point
    _assets_collected_apart()  # here once, rather than by every worker at once

    Granian(
        "undersigned.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=args.workers,
        blocking_threads=args.threads,
        respawn_failed_workers=True,
        log_access=os.environ.get("ACCESS_LOG", "") == "1",
        log_dictconfig=_granian_logging(),
    ).serve()


def _assets_collected_apart() -> None:
    """Collect the static assets in a child process, which imports the WSGI module as a
    worker would (undersigned/wsgi.py): compressing them leaves some 30 MB in the process
    that did it, which every worker forked from this one would inherit."""
    subprocess.run([sys.executable, "-c", "import undersigned.wsgi"], check=True)  # nosec B603


def _granian_logging() -> dict[str, object]:
    """granian's own logging, its access lines included, through the filter that redacts
    addresses and tokens (lib/log_filter.py): an access line holds each request's path."""
    from granian.log import LOGGING_CONFIG

    theirs: dict[str, dict[str, str]] = LOGGING_CONFIG["handlers"]  # type: ignore[assignment]
    handlers = {name: {**handler, "filters": ["redact"]} for name, handler in theirs.items()}
    return {
        "filters": {"redact": {"()": "undersigned.lib.log_filter.Redact"}},
        "handlers": handlers,
    }


def worker(argv: Sequence[str]) -> None:
    """Start the recurring rounds unless they are under way, then serve every queue in use:
    the database's, and with REDIS_URL RQ's too, in this one process (see run_worker)."""
    _django_setup()
    from undersigned.background.pruning import pruning_schedule
    from undersigned.digests.tasks import digests_schedule
    from undersigned.moderation.alerts import fraud_alerts_schedule
    from undersigned.signing.housekeeping import housekeeping_schedule
    from undersigned.signing.retention import retention_schedule
    from undersigned.transparency.appending import transparency_schedule
    from undersigned.updates.milestones import milestones_schedule
    from undersigned.webhooks.folding import webhooks_schedule

    housekeeping_schedule()
    retention_schedule()
    milestones_schedule()
    fraud_alerts_schedule()
    digests_schedule()
    webhooks_schedule()
    transparency_schedule()
    pruning_schedule()
    _manage(["run_worker", "--no-reload", "--interval", "0.5", *argv])


def demo(argv: Sequence[str]) -> None:
    """Set up a demo database and run the web server and a worker until stopped.

    Ctrl-C, SIGTERM and SIGHUP stop it cleanly at any moment, even before it serves, and
    it exits 130 then, as ./run does when stopped before the demo starts.
    """
    children: list[subprocess.Popen[bytes]] = []
    try:
        _stop_on_signals()
        _demo(argv, children)
    except KeyboardInterrupt:
        pass  # how every stop signal arrives: a clean stop, as asked
    finally:
        _stop(children)
    print("undersigned stopped.")
    raise SystemExit(130)


def _demo(argv: Sequence[str], children: list[subprocess.Popen[bytes]]) -> NoReturn:
    """Run the demo until a stop signal, putting each process it starts in `children`
    for the caller to stop whatever happens."""
    parser = argparse.ArgumentParser(prog="undersigned demo")
    parser.add_argument("--addr", default=DEFAULT_ADDR)
    args = parser.parse_args(argv)
    host, port = _split_addr(args.addr)
    _require_free(host, port)  # before minutes of setup, and before any announcement
    base_url = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    os.environ["UNDERSIGNED_DEMO"] = "1"
    os.environ.setdefault("BASE_URL", base_url)
    os.environ.setdefault("ALLOWED_HOSTS", f"{host},127.0.0.1,localhost")

    _manage(["migrate", "--no-input", "-v", "0"])
    _manage(["load_demo"])
    from undersigned.lib.static_assets import assets_collected

    assets_collected()  # before the server starts, whose start is awaited for 30 s only
    me = [sys.executable, "-m", "undersigned.cli"]
    # Own sessions: Ctrl-C reaches only this process, which stops each child exactly once.
    children.append(
        subprocess.Popen(
            [*me, "serve", "--addr", args.addr, "--workers", "1"], start_new_session=True
        )
    )
    children.append(subprocess.Popen([*me, "worker"], start_new_session=True))
    _wait_until_serving(host, port, children[0])
    print(f"\nundersigned is running at {os.environ['BASE_URL']}/  (Ctrl-C stops it)")
    print(f"Organiser sign-in: demo@undersigned.example / demo-password; mail: {_mail(base_url)}")
    print("Platform moderator: moderator@undersigned.example / demo-password\n")
    _watch({"web server": children[0], "worker": children[1]})


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _mail(base_url: str) -> str:
    """Where the demo's mail goes, as settings.py reads EMAIL_URL."""
    scheme = os.environ.get("EMAIL_URL", "outbox:").split(":", 1)[0]
    if scheme == "outbox":
        return f"{base_url}/outbox/"
    if scheme == "console":
        return "printed in this log"
    return "sent for real, through the relay in EMAIL_URL"


def _stop_on_signals() -> None:
    """Stop on Ctrl-C, a service manager's SIGTERM or a closed terminal. Installed
    explicitly: a script's background job starts with SIGINT ignored, and then Python
    installs no handler of its own."""
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, _interrupt)
    # ./run holds them back while it becomes the demo; one sent meanwhile arrives now.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def _interrupt(signum: int, frame: object) -> None:
    _ignore_stop_signals()  # a second signal must not interrupt the stopping
    raise KeyboardInterrupt


def _ignore_stop_signals() -> None:
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_IGN)


def _wait_until_serving(host: str, port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"undersigned: the web server exited (code {server.returncode})")
        with socket.socket(_family(host)) as sock:
            sock.settimeout(0.1)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"undersigned: the web server did not answer on {host}:{port} in 30 s")


def _watch(children: dict[str, subprocess.Popen[bytes]]) -> NoReturn:
    while True:
        for name, child in children.items():
            if child.poll() is not None:
                raise SystemExit(f"undersigned: the {name} exited (code {child.returncode})")
        time.sleep(0.5)


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    _ignore_stop_signals()
    # SIGTERM, not SIGINT: a child still starting up ends quietly, without a traceback.
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)  # with the web server's own workers
            child.wait()


COMMANDS = {"demo": demo, "serve": serve, "worker": worker}


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in COMMANDS:
        COMMANDS[args[0]](args[1:])
    else:
        _manage(args)


if __name__ == "__main__":
    main()
