"""The browser-security headers of every response, as one pure ASGI middleware (Starlette's
BaseHTTPMiddleware would buffer streamed responses such as imports and server-sent events).

- a strict Content-Security-Policy: same-origin scripts, styles, images and connections only,
  no plugins, no framing. A response that needs more (the folium exports' inline scripts) sets
  its own policy, built with ``content_security_policy``, and keeps it;
- ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``;
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin``;
- ``Cache-Control: no-store`` on every answer to a caller who is signed in (a bearer token or
  the session cookie) and on every answer that sets a cookie, unless the route chose its own
  caching: what a signed-in caller reads may be about them or restricted, while public
  resources (tiles, the emergency state) say how they may be cached.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth.identity import SESSION_COOKIE

POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:", "blob:"),
    "connect-src": ("'self'",),
    "worker-src": ("'self'", "blob:"),  # MapLibre may start its workers from blob: URLs
    "object-src": ("'none'",),
    "base-uri": ("'none'",),
    "frame-ancestors": ("'none'",),
    "form-action": ("'self'",),
}
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def inline_source(text: str) -> str:
    """The CSP source that allows exactly this inline ``<script>`` or ``<style>`` content."""
    digest = hashlib.sha256(text.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def content_security_policy(scripts: Iterable[str] = (), styles: Iterable[str] = ()) -> str:
    """The platform's policy, also allowing these exact inline scripts and styles."""
    extra = {"script-src": tuple(map(inline_source, scripts)),
             "style-src": tuple(map(inline_source, styles))}
    return "; ".join(" ".join((name, *sources, *extra.get(name, ())))
                     for name, sources in POLICY.items())


DEFAULT_POLICY = content_security_policy()


def signed_in(headers: Headers) -> bool:
    """Whether the request carries credentials (valid or not: either way, not for caches)."""
    cookies = headers.get("cookie", "")
    return "authorization" in headers or f"{SESSION_COOKIE}=" in cookies


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = signed_in(Headers(scope=scope))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_headers(MutableHeaders(scope=message), private)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_headers(headers: MutableHeaders, private: bool) -> None:
    for name, value in ALWAYS.items():
        headers.setdefault(name, value)
    headers.setdefault("Content-Security-Policy", DEFAULT_POLICY)
    if private or "set-cookie" in headers:
        headers.setdefault("Cache-Control", "no-store")
