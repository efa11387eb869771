"""Serving an app with its real server on a loopback port (a subprocess), and raw HTTP/1.1 to it
over the standard library's http.client, for tests/test_frameworks.py and tests/test_quickstarts.py."""
import http.client
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional

import paywit

PACKAGE = pathlib.Path(__file__).resolve().parents[2]
"""packages/python: put on PYTHONPATH so the servers import this checkout's paywit."""
APPS = pathlib.Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server command run as a subprocess on a free loopback port: `argv` with `{port}` filled in,
    in `cwd`, with this checkout's paywit on PYTHONPATH and `env` added. `start` launches it,
    `ready` waits until it answers HTTP (retrying on another port if it could not bind), `stop`
    ends its process group."""

    def __init__(self, name: str, argv: List[str], cwd: pathlib.Path, env: Dict[str, str]) -> None:
        self.name, self.argv, self.cwd, self.env = name, argv, cwd, env
        self.proc: Optional[subprocess.Popen] = None
        self.port = 0
        self._ready = False
        self._log = tempfile.TemporaryFile()

    def start(self) -> "Server":
        self.port = free_port()
        env = {**os.environ, **self.env, "PYTHONPATH": os.pathsep.join([str(PACKAGE), os.environ.get("PYTHONPATH", "")]),
               "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([a.format(port=self.port, python=sys.executable) for a in self.argv], cwd=self.cwd, env=env,
                                     stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def ready(self, timeout: float = 60) -> "Server":
        if self._ready:
            return self
        deadline = time.monotonic() + timeout
        attempts = 0
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                attempts += 1
                if attempts >= 3 or "address already in use" not in self.log().lower():
                    raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{self.log()}")
                self.start()  # another process took the port: try another
                continue
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                self._ready = True
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"{self.name} did not answer within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the group this Server started (start_new_session)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._log.close()


@dataclass
class Response:
    status: int
    headers: Dict[str, str]
    body: bytes = field(repr=False)

    def json(self) -> Any:
        return json.loads(self.body)


def _response(conn: http.client.HTTPConnection) -> Response:
    answer = conn.getresponse()
    body = answer.read()
    conn.close()
    return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, body)


def send(port: int, method: str, path: str, body: bytes = b"", headers: Optional[Dict[str, str]] = None,
         timeout: float = 10) -> Response:
    """One request with a Content-Length body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request(method, path, body=body, headers=headers or {})
    return _response(conn)


def send_headers_only(port: int, path: str, headers: Dict[str, str], content_length: int, timeout: float = 10) -> Response:
    """A POST that declares `content_length` but sends no byte of its body, then reads the answer:
    only a server that answers without reading the body answers within `timeout`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.putrequest("POST", path)
    for name, value in {**headers, "Content-Length": str(content_length)}.items():
        conn.putheader(name, value)
    conn.endheaders()
    return _response(conn)


def send_chunked(port: int, path: str, headers: Dict[str, str], chunks: Iterable[bytes], end: bool = True,
                 timeout: float = 10) -> Response:
    """A chunked POST (no Content-Length); with `end=False` the last chunk is never sent, so only a
    server that answers before the body ends answers within `timeout`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.putrequest("POST", path)
    for name, value in {**headers, "Transfer-Encoding": "chunked"}.items():
        conn.putheader(name, value)
    conn.endheaders()
    wire = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks if c) + (b"0\r\n\r\n" if end else b"")
    conn.send(wire)
    return _response(conn)


def event(type: str = "payment.succeeded", pad: int = 0) -> bytes:
    """A JSON event body (`pad` bytes of padding in it)."""
    return json.dumps({"type": type, "data": {"id": "pay_1", "amount": 1000, "note": "x" * pad}}).encode()


def signed(secret: str, body: bytes, id: str, signed_at: Optional[int] = None) -> Dict[str, str]:
    """Standard Webhooks headers for `body`, plus its Content-Type."""
    return {**paywit.sign_webhook("standard-webhooks", secret, body, id=id, signed_at=signed_at),
            "Content-Type": "application/json"}
