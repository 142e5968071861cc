"""The `undersigned` command: demo, serve, worker, and every manage.py command."""

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

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
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        "undersigned.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=args.workers,
        blocking_threads=args.threads,
        respawn_failed_workers=True,
        log_access=os.environ.get("ACCESS_LOG", "") == "1",
    ).serve()


def worker(argv: Sequence[str]) -> None:
    _django_setup()
    from undersigned.signing.housekeeping import housekeeping_schedule

    housekeeping_schedule()
    _manage(["run_worker", "--no-reload", "--interval", "0.5", *argv])


def demo(argv: Sequence[str]) -> None:
    """Set up a demo database and run the web server and a worker until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="undersigned demo")
    parser.add_argument("--addr", default=DEFAULT_ADDR)
    args = parser.parse_args(argv)
    host, port = _split_addr(args.addr)
    base_url = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    os.environ["UNDERSIGNED_DEMO"] = "1"
    os.environ.setdefault("BASE_URL", base_url)
    os.environ.setdefault("ALLOWED_HOSTS", f"{host},127.0.0.1,localhost")
    os.environ.setdefault("ACCOUNT_EMAIL_VERIFICATION", "optional")

    _manage(["migrate", "--no-input", "-v", "0"])
    _manage(["load_demo"])
    # A service manager's SIGTERM, or a closed terminal, stops the demo as Ctrl-C does.
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, _interrupt)
    me = [sys.executable, "-m", "undersigned.cli"]
    # Own sessions: Ctrl-C reaches only this process, which stops each child exactly once.
    children = [
        subprocess.Popen(
            [*me, "serve", "--addr", args.addr, "--workers", "1"], start_new_session=True
        ),
        subprocess.Popen([*me, "worker"], start_new_session=True),
    ]
    _wait_for_port(host, port, children[0])
    print(f"\nundersigned is running at {os.environ['BASE_URL']}/  (Ctrl-C stops it)")
    print(
        f"Organiser sign-in: demo@undersigned.example / demo-password; mail: {base_url}/outbox/\n"
    )
    try:
        while all(child.poll() is None for child in children):
            with contextlib.suppress(subprocess.TimeoutExpired):
                children[0].wait(timeout=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        _stop(children)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _wait_for_port(host: str, port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            return
        with socket.socket(_family(host)) as sock:
            sock.settimeout(0.1)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    print("undersigned stopped.")


COMMANDS = {"demo": demo, "serve": serve, "worker": worker}


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in COMMANDS:
        COMMANDS[args[0]](args[1:])
    else:
        _manage(args)


if __name__ == "__main__":
    main()
