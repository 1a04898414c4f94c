"""Every error is an RFC 9457 problem document; one table maps exceptions to statuses."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gis_core.crs import UnknownCrs
from gis_core.edits import FeatureMissing, StaleVersion, VersionRequired
from gis_core.errors import (
    ConflictError,
    DomainError,
    LimitReached,
    NotFoundError,
    NotPermitted,
    RuleViolation,
)
from gis_core.tiles import TileOutOfRange
from gis_core.validation import FeatureInvalid

log = logging.getLogger(__name__)
PROBLEM_MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """A client-facing error. ``parameter`` names the offending query or path parameter."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, parameter: str | None = None, status: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.parameter = parameter
        self.headers = headers or {}
        self.extra: dict[str, object] = {}  # extension members (RFC 9457 §3.2)
        if status is not None:
            self.status = status

    def body(self, instance: str) -> dict[str, object]:
        body: dict[str, object] = {
            "type": f"/problems/{self.slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
        }
        if self.parameter:
            body["invalid-params"] = [{"name": self.parameter, "reason": self.detail}]
        return {**body, **self.extra}


class InvalidParameter(Problem):
    slug, title = "invalid-parameter", "Invalid parameter"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Not allowed for your role"


class NotAcceptable(Problem):
    status, slug, title = 406, "not-acceptable", "Not acceptable"


class InvalidFeature(Problem):
    """A feature in a request body that cannot be stored; ``parameter`` names the member."""

    slug, title = "invalid-feature", "Invalid feature"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class PreconditionFailed(Problem):
    status, slug, title = 412, "precondition-failed", "The feature has changed"


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class PreconditionRequired(Problem):
    status, slug, title = 428, "precondition-required", "If-Match required"


def _etag(version: int) -> dict[str, str]:
    return {"ETag": f'"v{version}"'} if version else {}


EXCEPTION_PROBLEMS: dict[type[Exception], Callable[[Any], Problem]] = {
    FeatureInvalid: lambda e: InvalidFeature(str(e), parameter=e.member),
    FeatureMissing: lambda e: NotFound(str(e), parameter="featureId"),
    StaleVersion: lambda e: PreconditionFailed(str(e), parameter="If-Match",
                                               headers=_etag(e.current)),
    VersionRequired: lambda e: PreconditionRequired(str(e), parameter="If-Match",
                                                    headers=_etag(e.current)),
}
"""Exceptions of gis_core and the problems they are answered with."""
class Unprocessable(Problem):
    status, slug, title = 422, "rule-violated", "Against a rule"


class LimitExceeded(Problem):
    status, slug, title = 409, "limit-reached", "Limit reached"


# Domain refusals (gis_core.errors) → problems: the one table of their statuses.
DOMAIN_PROBLEMS: dict[type[DomainError], type[Problem]] = {
    NotFoundError: NotFound,
    ConflictError: Conflict,
    RuleViolation: Unprocessable,
    NotPermitted: Forbidden,
    LimitReached: LimitExceeded,
    DomainError: InvalidParameter,
}


def domain_problem(exc: DomainError) -> Problem:
    kind = next(DOMAIN_PROBLEMS[c] for c in type(exc).__mro__ if c in DOMAIN_PROBLEMS)
    problem = kind(exc.message, parameter=exc.field)
    if exc.slug:
        problem.slug = exc.slug
    return problem


def problem_response(problem: Problem, request: Request) -> JSONResponse:
    return JSONResponse(
        problem.body(request.url.path), status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE, headers=problem.headers,
    )


def _validation_problem(exc: RequestValidationError) -> Problem:
    errors = exc.errors()
    first = errors[0] if errors else {"loc": ("query",), "msg": "invalid request"}
    name = str(first["loc"][-1])
    problem = InvalidParameter(f"{name}: {first['msg']}", parameter=name)
    if first["loc"][0] == "path":
        problem.status = 404 if name.endswith("Id") else 400
    return problem


def _mapped(to_problem: Callable[[Any], Problem]) -> Callable[..., Awaitable[JSONResponse]]:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(to_problem(exc), request)
    return handle


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(domain_problem(exc), request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(_validation_problem(exc), request)

    @app.exception_handler(UnknownCrs)
    async def _crs(request: Request, exc: UnknownCrs) -> JSONResponse:
        return problem_response(InvalidParameter(f"unsupported CRS {exc}", parameter="crs"),
                                request)

    for exception, to_problem in EXCEPTION_PROBLEMS.items():
        app.add_exception_handler(exception, _mapped(to_problem))

    @app.exception_handler(TileOutOfRange)
    async def _tile(request: Request, exc: TileOutOfRange) -> JSONResponse:
        return problem_response(NotFound(str(exc), parameter=exc.parameter), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        problem = Problem(str(exc.detail), status=exc.status_code, headers=exc.headers)
        problem.title = HTTPStatus(exc.status_code).phrase
        problem.slug = problem.title.lower().replace(" ", "-")
        return problem_response(problem, request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem_response(internal_error(), request)


def internal_error() -> Problem:
    """What a client is told of a failure of the server's own: nothing about it."""
    problem = Problem("The server failed to answer this request.", status=500)
    problem.slug, problem.title = "internal-error", "Internal server error"
    return problem
