"""The request gate: an ASGI middleware every request passes before any route sees it.

In order, it refuses (always with a JSON ``{"error": ...}`` and ``Connection: close``):

1. a request whose ``Origin`` header is not on the allow-list (403): a web page the
   user happens to open cannot drive the server, whatever the method;
2. a POST whose ``Content-Type`` is not ``application/json`` (415): a foreign page can
   send ``text/plain`` or form bodies without a CORS preflight, never JSON;
3. a POST without ``Content-Length`` (411) or with a bad one (400);
4. a body above the limit (413; up to the drain limit it is read and dropped first, so
   that the client sees the answer);
5. a body not complete within ``body_timeout_s`` (408, one log line): a client that
   stalls mid-body holds a connection, never a worker thread.

The body is then read whole and handed to the application, which never waits on the
network. Other methods pass through to the router (404/405 there).
"""

from __future__ import annotations

import json
import logging
import time

import anyio
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prover.interactive.web.limits import HttpLimits

__all__ = ["RequestGate"]

logger = logging.getLogger(__name__)


class _ClientGone(Exception):
    """The client disconnected before its body was complete: nobody to answer."""


class _Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class RequestGate:
    """Origin, content type, length, size and body-time checks in front of ``app``."""

    def __init__(self, app: ASGIApp, *, limits: HttpLimits) -> None:
        self.app = app
        self.limits = limits
        self.origins = frozenset(origin.lower() for origin in limits.allow_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            body = await self._admit(scope, receive)
        except _Refusal as refusal:
            await _answer(send, refusal.status, refusal.message)
            return
        except _ClientGone:
            return
        if body is None:
            await self.app(scope, receive, send)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _admit(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body of an admitted POST, ``None`` for other methods; raises a refusal."""
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in self.origins:
            raise _Refusal(
                403,
                f"requests from origin {origin[:200]!r} are refused "
                "(start the server with --allow-origin ORIGIN to allow a web page)",
            )
        if scope["method"] != "POST":
            return None
        _check_content_type(headers.get("content-type"))
        length = _content_length(headers)
        if length > self.limits.max_body_bytes:
            if length <= self.limits.drain_limit_bytes:
                await self._read(scope, receive, length, keep=False)
            raise _Refusal(413, f"body of {length} bytes; at most {self.limits.max_body_bytes}")
        return await self._read(scope, receive, length, keep=True)

    async def _read(self, scope: Scope, receive: Receive, length: int, *, keep: bool) -> bytes:
        """Read ``length`` body bytes within the body timeout (408 past it)."""
        chunks: list[bytes] = []
        received = 0
        started = time.monotonic()
        more = length > 0
        with anyio.move_on_after(self.limits.body_timeout_s) as scope_timer:
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise _ClientGone
                chunk = message.get("body", b"")
                received += len(chunk)
                if keep:
                    chunks.append(chunk)
                more = bool(message.get("more_body", False))
        if scope_timer.cancelled_caught:
            client = scope.get("client") or ("?", 0)
            logger.warning(
                "408: %s:%s sent %d of %d body bytes of %s %s in %.0f s; connection closed",
                client[0],
                client[1],
                received,
                length,
                scope["method"],
                scope["path"],
                time.monotonic() - started,
            )
            raise _Refusal(
                408, f"the body was not complete within {self.limits.body_timeout_s:g} s"
            )
        if received != length:
            raise _Refusal(400, f"body of {received} bytes but Content-Length {length}")
        return b"".join(chunks)


def _check_content_type(value: str | None) -> None:
    """Only ``application/json`` (optionally ``; charset=utf-8``) is admitted."""
    if value is None:
        raise _Refusal(415, "a Content-Type: application/json header is required")
    media_type, _, parameters = value.partition(";")
    charset = ""
    for parameter in parameters.split(";"):
        key, _, item = parameter.partition("=")
        if key.strip().lower() == "charset":
            charset = item.strip().strip('"').lower()
    if media_type.strip().lower() != "application/json" or charset not in ("", "utf-8"):
        raise _Refusal(415, f"Content-Type must be application/json, got {value[:100]!r}")


def _content_length(headers: Headers) -> int:
    if "transfer-encoding" in headers:
        raise _Refusal(411, "a Content-Length header is required (no chunked bodies)")
    values = headers.getlist("content-length")
    if not values:
        raise _Refusal(411, "a Content-Length header is required")
    text = values[0]
    if len(values) > 1 or not text.isdigit():
        raise _Refusal(400, f"bad Content-Length {', '.join(values)[:100]!r}")
    return int(text)


async def _answer(send: Send, status: int, message: str) -> None:
    data = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data, "more_body": False})
