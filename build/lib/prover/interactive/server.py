"""The HTTP side of the assistance server: routing, body limits, JSON, graceful shutdown.

Built on the standard library's :class:`~http.server.ThreadingHTTPServer` (one thread
per connection, no extra dependency): the endpoints are CPU- or subprocess-bound and
few, so an async framework would buy nothing here. Every answer is JSON, errors
included (``{"error": message}`` with a 4xx/5xx status); a handler never lets an
exception escape, so malformed or oversized input cannot bring the server down.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any

from prover.interactive.handlers import AssistService
from prover.interactive.requests import MAX_BODY_BYTES, RequestError

__all__ = ["AssistServer", "create_server", "serve_until_signalled"]

logger = logging.getLogger(__name__)

_DRAIN_LIMIT_BYTES = 8 * MAX_BODY_BYTES
"""Oversized bodies up to this size are read and dropped before the 413; larger ones are not."""

_POST_ROUTES: dict[str, Callable[[AssistService, Any], dict[str, Any]]] = {
    "/generate": AssistService.generate,
    "/encode": AssistService.encode,
    "/progress": AssistService.progress_of,
    "/search": AssistService.search,
}


class AssistServer(ThreadingHTTPServer):
    """A threading HTTP server holding the :class:`AssistService` its handlers call.

    Request threads are not daemons and ``server_close`` joins them, so in-flight
    requests finish before the process exits.
    """

    daemon_threads = False
    block_on_close = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], service: AssistService) -> None:
        super().__init__(address, _Handler)
        self.service = service

    @property
    def url(self) -> str:
        """``http://host:port`` of the bound socket (the real port when 0 was asked)."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def create_server(
    service: AssistService, *, host: str = "127.0.0.1", port: int = 23337
) -> AssistServer:
    """Bind the server (``port=0`` picks a free port); call ``serve_forever`` to run it."""
    return AssistServer((host, port), service)


def serve_until_signalled(server: AssistServer, *, on_close: Callable[[], None]) -> None:
    """Serve until SIGTERM or SIGINT, then finish in-flight requests and call ``on_close``."""

    def stop(signum: int, frame: FrameType | None) -> None:
        logger.info("signal %d: shutting down after in-flight requests", signum)
        # shutdown() waits for serve_forever to return: call it off the serving thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        try:
            server.server_close()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            on_close()


class _Handler(BaseHTTPRequestHandler):
    """Routes one request to the service and answers JSON."""

    server: AssistServer
    timeout = 60  # seconds a silent client may hold its connection
    server_version = "prover-assist/0.1"

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/health":
            self._answer(200, self.server.service.health())
        else:
            self._answer(404, {"error": f"no GET endpoint {self.path}; try /health"})

    def do_POST(self) -> None:
        route = _POST_ROUTES.get(self.path.split("?", 1)[0])
        if route is None:
            known = ", ".join(sorted(_POST_ROUTES))
            self._answer(404, {"error": f"no POST endpoint {self.path}; known: {known}"})
            return
        try:
            body = self._read_json()
            self._answer(200, route(self.server.service, body))
        except RequestError as exc:
            self._answer(exc.status, {"error": exc.message})
        except Exception as exc:  # a handler bug must not take the server down
            logger.exception("internal error on %s", self.path)
            self._answer(500, {"error": f"internal error: {type(exc).__name__}: {exc}"})

    def do_PUT(self) -> None:
        self._answer(405, {"error": "use GET /health or POST"})

    def do_DELETE(self) -> None:
        self.do_PUT()

    def do_PATCH(self) -> None:
        self.do_PUT()

    def _read_json(self) -> Any:
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            raise RequestError(411, "a Content-Length header is required")
        try:
            length = int(length_header)
        except ValueError:
            raise RequestError(400, f"bad Content-Length {length_header!r}") from None
        if length < 0:
            raise RequestError(400, f"bad Content-Length {length_header!r}")
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            if length <= _DRAIN_LIMIT_BYTES:  # read and drop it, so the client sees the 413
                self._discard(length)
            raise RequestError(413, f"body of {length} bytes; at most {MAX_BODY_BYTES}")
        raw = self.rfile.read(length)
        if len(raw) < length:
            raise RequestError(400, f"body ended after {len(raw)} of {length} bytes")
        try:
            return json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise RequestError(400, "the body is not UTF-8") from None
        except json.JSONDecodeError as exc:
            raise RequestError(400, f"malformed JSON: {exc}") from None
        except RecursionError:
            raise RequestError(400, "JSON nested too deeply") from None

    def _discard(self, length: int) -> None:
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 16))
            if not chunk:
                return
            remaining -= len(chunk)

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        try:
            data = json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except ValueError as exc:  # NaN or infinity from a model
            status, data = 500, json.dumps({"error": f"unencodable answer: {exc}"}).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except OSError as exc:  # the client went away; nothing left to tell it
            logger.debug("could not answer %s: %s", self.client_address, exc)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)
