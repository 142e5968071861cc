"""A small asyncio HTTP/1.1 load generator, for loopback servers only.

Imported by count_freshness.py for its client, and run by servers.py in a process of its
own when wrk is not installed:

    python bench/loadgen.py --port 8000 --path /letters/x/count.json --duration 10
"""

import argparse
import asyncio
import json
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

HOST = "127.0.0.1"
TIMEOUT = 10.0


class Connection:
    """One keep-alive connection to a loopback server; reconnects when the server closes."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(HOST, self.port)
        assert self._reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        try:
            status, response_headers, content = await self._read_response(self._reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            await self.close()
            raise
        if response_headers.get("connection", "").lower() == "close":
            await self.close()
        return status, content

    @staticmethod
    async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
        status_line = await reader.readuntil(b"\r\n")
        if not status_line.strip():
            raise ConnectionError("connection closed")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if status in (204, 304) or status < 200:
            content = b""
        elif "content-length" in headers:
            content = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")
            content = b"".join(chunks)
        else:
            content = await reader.read()
            headers["connection"] = "close"
        return status, headers, content

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


def sign_body(address: str) -> bytes:
    fields = {
        "name": "Bench Signer",
        "email": address,
        "display": "full",
        "country": "United Kingdom",
    }
    return urlencode(fields).encode()


@dataclass
class Result:
    requests: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)


async def drive(
    *, port: int, path: str, mode: str, duration: float, concurrency: int, run: str, origin: str
) -> Result:
    """Send requests from `concurrency` connections for `duration` seconds."""
    result = Result()
    deadline = time.monotonic() + duration
    headers = {"Origin": origin, "Content-Type": "application/x-www-form-urlencoded"}

    async def one_connection(number: int) -> None:
        connection = Connection(port)
        sent = 0
        while time.monotonic() < deadline:
            sent += 1
            started = time.monotonic()
            if mode == "sign":
                body = sign_body(f"bench-{run}-{number}-{sent}@example.org")
                sending = connection.request("POST", path, body=body, headers=headers)
            else:
                sending = connection.request("GET", path)
            try:
                status, _ = await asyncio.wait_for(sending, TIMEOUT)
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
                await connection.close()
                status = 0
            result.requests += 1
            if not 200 <= status < 400:
                result.errors += 1
            result.latencies.append(time.monotonic() - started)
        await connection.close()

    await asyncio.gather(*(one_connection(n) for n in range(concurrency)))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--mode", choices=["get", "sign"], default="get")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--run", default="0")
    args = parser.parse_args()
    started = time.monotonic()
    result = asyncio.run(
        drive(
            port=args.port,
            path=args.path,
            mode=args.mode,
            duration=args.duration,
            concurrency=args.concurrency,
            run=args.run,
            origin=f"http://{HOST}:{args.port}",
        )
    )
    latencies = sorted(result.latencies)
    print(
        json.dumps(
            {
                "requests": result.requests,
                "errors": result.errors,
                "seconds": time.monotonic() - started,
                "latencies": latencies,
            }
        )
    )


if __name__ == "__main__":
    main()
