"""Every error is an RFC 9457 problem document; one table maps exceptions to statuses."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from asyncpg.exceptions import CharacterNotInRepertoireError, UntranslatableCharacterError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY

from gis_core.crs import UnknownCrs
from gis_core.database import DATABASE_LOST, is_database_lost
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


class ServiceUnavailable(Problem):
    status, slug, title = 503, "service-unavailable", "Service temporarily unavailable"


RETRY_AFTER_S = 3


def database_unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        "The database cannot be reached just now; please try again in a few seconds. "
        "データベースに一時的に接続できません。数秒後にもう一度お試しください。",
        headers={"Retry-After": str(RETRY_AFTER_S)})


def _etag(version: int) -> dict[str, str]:
    return {"ETag": f'"v{version}"'} if version else {}


EXCEPTION_PROBLEMS: dict[type[Exception], Callable[[Any], Problem]] = {
    FeatureInvalid: lambda e: InvalidFeature(str(e), parameter=e.member),
    FeatureMissing: lambda e: NotFound(str(e), parameter="featureId"),
    StaleVersion: lambda e: PreconditionFailed(str(e), parameter="If-Match",
                                               headers=_etag(e.current)),
    VersionRequired: lambda e: PreconditionRequired(str(e), parameter="If-Match",
                                                    headers=_etag(e.current)),
    # A text PostgreSQL cannot hold (NUL) that no model refused before the query.
    UntranslatableCharacterError: lambda _: InvalidParameter(
        "the body contains a character that cannot be stored (NUL)", parameter="body"),
    CharacterNotInRepertoireError: lambda _: InvalidParameter(
        "the body contains a character that cannot be stored", parameter="body"),
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
    if exc.title:
        problem.title = exc.title
    return problem


def body_too_large(request: Request) -> PayloadTooLarge:
    """FastAPI's body limit was passed: the limit of the route (or the application) named."""
    limit = request.scope.get(MAX_BODY_SIZE_SCOPE_KEY)
    detail = (f"the request body may have at most {limit} bytes" if limit is not None
              else "the request body is too large")
    return PayloadTooLarge(detail, parameter="body")


def instance(request: Request) -> str:
    """The request's path as a URI reference (``instance``): the scope's is percent-decoded
    (``request.url`` even drops its tabs and newlines), and a path of other characters is not
    a URI."""
    return quote(request.scope["path"], safe="/:@!$&'()*+,;=")


def problem_response(problem: Problem, request: Request) -> JSONResponse:
    return JSONResponse(
        problem.body(instance(request)), status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE, headers=problem.headers,
    )


VALIDATION_REASONS: dict[str, str] = {
    "missing": "is required",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "datetime_parsing": "must be an RFC 3339 timestamp (e.g. 2026-04-01T09:00:00+09:00)",
    "datetime_from_date_parsing": "must be an RFC 3339 timestamp "
                                  "(e.g. 2026-04-01T09:00:00+09:00)",
    "timezone_aware": "needs a time zone (Z or +09:00)",
    "json_invalid": "is not valid JSON",
    "model_attributes_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
    "list_type": "must be a list",
    "extra_forbidden": "is not a known member",
    "string_pattern_mismatch": "has a form that is not accepted",
}
BOUNDS: dict[str, tuple[str, str]] = {
    "greater_than_equal": ("ge", "must be at least {}"),
    "greater_than": ("gt", "must be greater than {}"),
    "less_than_equal": ("le", "must be at most {}"),
    "less_than": ("lt", "must be less than {}"),
    "string_too_long": ("max_length", "must have at most {} characters"),
    "string_too_short": ("min_length", "must have at least {} characters"),
    "too_long": ("max_length", "must have at most {} items"),
    "too_short": ("min_length", "must have at least {} items"),
}


def validation_reason(error: dict[str, Any]) -> str:
    """Our own words for a pydantic error: its messages cite library internals and link to its
    documentation, neither of which helps the caller."""
    kind, context = error.get("type", ""), error.get("ctx") or {}
    if kind in BOUNDS and BOUNDS[kind][0] in context:
        key, text = BOUNDS[kind]
        return text.format(context[key])
    if kind in ("enum", "literal_error") and "expected" in context:
        return f"must be one of {context['expected']}"
    if kind == "value_error" and "error" in context:
        return str(context["error"])
    return VALIDATION_REASONS.get(kind, "is not valid")


def _member_name(location: tuple[Any, ...]) -> str:
    """``fieldName`` for a query/path/header parameter; ``a.b[0]`` for a member of a body."""
    if location[0] != "body":
        return str(location[-1])
    name = ""
    for part in location[1:]:
        name += f"[{part}]" if isinstance(part, int) else f".{part}" if name else str(part)
    return name or "body"


def _shown(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…"


def _validation_problem(exc: RequestValidationError) -> Problem:
    errors = exc.errors()
    first = errors[0] if errors else {"loc": ("query",), "type": ""}
    name = _member_name(tuple(first["loc"]))
    reason = validation_reason(first)
    if first["loc"][0] == "path" and name.endswith("Id"):
        return NotFound(f"no such {name} {_shown(first.get('input'))}: {name} {reason}",
                        parameter=name)
    return InvalidParameter(f"{name} {reason}", parameter=name)


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
        if exc.status_code == 413:  # FastAPI's body limit, raised while the route reads
            return problem_response(body_too_large(request), request)
        problem = Problem(str(exc.detail), status=exc.status_code, headers=exc.headers)
        problem.title = HTTPStatus(exc.status_code).phrase
        problem.slug = problem.title.lower().replace(" ", "-")
        return problem_response(problem, request)

    async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unreachable on %s: %s", request.url.path, exc)
        return problem_response(database_unavailable(), request)

    for lost in DATABASE_LOST:
        app.add_exception_handler(lost, _unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_database_lost(exc):  # wrapped, or raised outside the routes (a middleware)
            return await _unavailable(request, exc)
        log.exception("unhandled error on %s", request.url.path)
        return problem_response(internal_error(), request)


def internal_error() -> Problem:
    """What a client is told of a failure of the server's own: nothing about it."""
    problem = Problem("The server failed to answer this request.", status=500)
    problem.slug, problem.title = "internal-error", "Internal server error"
    return problem
