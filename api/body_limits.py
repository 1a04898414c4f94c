"""One request-size limit for every route, enforced while the body is read.

FastAPI counts a body's bytes as they arrive and stops at the limit (at once when
Content-Length already says more), so no route reads a 50 MB body into memory before it checks
anything. The application's limit is ``Settings.max_body_bytes``; the few routes that take
files (layer imports, rasters, report photos) declare a larger one with ``max_body_size=``.
"""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import PROBLEM_MEDIA_TYPE, body_too_large, instance
from gis_core.settings import get_settings

MULTIPART_SLACK = 64 * 1024  # the form's framing and small fields around an uploaded file
_SETTINGS = get_settings()
IMPORT_LIMIT = _SETTINGS.max_upload_bytes + MULTIPART_SLACK
RASTER_LIMIT = _SETTINGS.raster_upload_max_bytes
MAX_REPORT_BYTES = 8 * 1024 * 1024  # a report's form: a phone photo and a note
REPORT_LIMIT = MAX_REPORT_BYTES + MULTIPART_SLACK


class ProblemFor413:
    """Starlette answers a too-large body sent to a route that never reads it in plain text;
    this turns that answer into the problem document every other error is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rewriting = False

        async def send_problem(message: Message) -> None:
            nonlocal rewriting
            if message["type"] == "http.response.start" and message["status"] == 413 and \
                    dict(message.get("headers", [])).get(b"content-type", b"")\
                    .startswith(b"text/plain"):
                rewriting = True
                request = Request(scope)
                body = orjson.dumps(body_too_large(request).body(instance(request)))
                await send({"type": "http.response.start", "status": 413, "headers": [
                    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
                await send({"type": "http.response.body", "body": body})
            elif not rewriting:
                await send(message)

        await self.app(scope, receive, send_problem)
