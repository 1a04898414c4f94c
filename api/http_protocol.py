"""uvicorn's HTTP protocol, refusing requests it cannot parse with a problem document. Such a
request never reaches the app (httptools cannot even parse a request target over 64 KiB),
and uvicorn would answer it with a plain-text 400 that the OpenAPI document does not know."""

from __future__ import annotations

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.errors import PROBLEM_MEDIA_TYPE

UNREADABLE = orjson.dumps({
    "type": "/problems/bad-request",
    "title": "Bad request",
    "status": 400,
    "detail": "The request cannot be read: its request line or headers are malformed or too "
              "long (the path and the query together may have at most 64 KiB).",
})


class ProblemHttpProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        head += [name + b": " + value + b"\r\n"
                 for name, value in self.server_state.default_headers]
        head += [f"content-type: {PROBLEM_MEDIA_TYPE}\r\n".encode(),
                 f"content-length: {len(UNREADABLE)}\r\n".encode(), b"connection: close\r\n\r\n"]
        self.transport.write(b"".join(head) + UNREADABLE)
        self.transport.close()
