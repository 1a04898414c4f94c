"""What every editing route shares: who may edit (401/404/403), the feature's ETag and
If-Match, the request body (media type, size limit, JSON), Content-Crs, the write transaction
(actor for the history, database refusals as problems), the audit entry and the response."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import asyncpg
import orjson
from fastapi import Depends, Path, Request
from fastapi.responses import Response

from api import audit
from api.auth.identity import IdentityDep
from api.auth.service import Identity
from api.deps import CatalogDep
from api.errors import (
    Conflict,
    Forbidden,
    InvalidFeature,
    InvalidParameter,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
)
from api.ogc.common import GEOJSON, base_url, json_response
from gis_core import edits, features
from gis_core.catalog import VERSION_PROPERTY, Layer
from gis_core.crs import CRS84_URI, UnknownCrs, parse_crs
from gis_core.validation import FeatureInput, Mode, Target, parse_feature, table_columns

FEATURE_TYPES = ("application/geo+json", "application/json")
PATCH_TYPES = ("application/merge-patch+json", *FEATURE_TYPES)
ETAG = re.compile(r'"v([0-9]{1,9})(?:-[A-Za-z0-9.]+)?"')
FEATURE_ID = re.compile(r"[0-9]{1,18}")
FeatureId = Annotated[str, Path(alias="featureId")]


@dataclass(frozen=True)
class Editor:
    layer: Layer
    identity: Identity


async def editor(catalog: CatalogDep, identity: IdentityDep,
                 collection_id: Annotated[str, Path(alias="collectionId")]) -> Editor:
    if identity is None:
        raise Unauthorized("log in, or send a bearer token, to edit", parameter="Authorization",
                           headers={"WWW-Authenticate": "Bearer"})
    layer = catalog.get(collection_id)
    if layer is None or not layer.may_read(identity.roles):
        raise NotFound(f"no collection {collection_id!r}", parameter="collectionId")
    if not layer.may_edit(identity.roles):
        raise Forbidden("your role may not edit this collection", parameter="collectionId")
    return Editor(layer, identity)


EditorDep = Annotated[Editor, Depends(editor)]


def parse_feature_id(text: str, layer: Layer) -> int:
    if not FEATURE_ID.fullmatch(text):
        raise NotFound(f"no feature {text!r} in {layer.id}", parameter="featureId")
    return int(text)


def etag(version: int, crs_uri: str = CRS84_URI) -> str:
    """Strong, one per representation: the version, and the CRS when it is not CRS84."""
    if crs_uri == CRS84_URI:
        return f'"v{version}"'
    return f'"v{version}-{crs_uri.rsplit("/", 1)[-1]}"'


def if_match(request: Request) -> frozenset[int] | None:
    """Versions named by If-Match; None without one (or ``*``, which names none). Weak tags
    never match (RFC 9110 strong comparison)."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return None
    return frozenset(int(v) for v in ETAG.findall(re.sub(r'W/"[^"]*"', "", header)))


async def read_json(request: Request, media_types: tuple[str, ...]) -> Any:
    """The JSON body, read in chunks and refused (413) as soon as it passes the limit."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in media_types:
        raise UnsupportedMediaType(f"send the feature as {' or '.join(media_types)}",
                                   parameter="Content-Type")
    limit = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body may have at most {limit} bytes", parameter="body")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"the body may have at most {limit} bytes", parameter="body")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidFeature(f"the body is not JSON: {exc}", parameter="body") from None


def content_crs(request: Request) -> str:
    """Content-Crs as OGC Part 4 writes it (``<uri>``), or bare as QGIS sends it."""
    return request.headers.get("content-crs", f"<{CRS84_URI}>").strip().strip("<>")


async def target(request: Request, conn: asyncpg.Connection, layer: Layer) -> Target:
    uri = content_crs(request)
    try:
        crs = parse_crs(uri)
    except UnknownCrs:
        raise InvalidParameter(f"unsupported Content-Crs {uri!r}",
                               parameter="Content-Crs") from None
    settings = request.app.state.settings
    return Target(layer, await table_columns(conn, layer.table), crs, settings.edit_extent)


@asynccontextmanager
async def writing(request: Request, who: Editor) -> AsyncIterator[asyncpg.Connection]:
    """A transaction that names the writer in the history; database refusals become 400/409."""
    async with request.app.state.pool.acquire() as conn:
        try:
            async with conn.transaction():
                await edits.act_as(conn, who.identity.username)
                yield conn
        except asyncpg.NotNullViolationError as exc:
            raise InvalidFeature(f"{exc.column_name} is required",
                                 parameter=f"properties.{exc.column_name}") from None
        except asyncpg.CheckViolationError as exc:
            raise InvalidFeature(f"the values break the rule {exc.constraint_name}",
                                 parameter="properties") from None
        except asyncpg.UniqueViolationError as exc:
            raise Conflict(f"another feature has these values ({exc.constraint_name})",
                           parameter="properties") from None
        except asyncpg.DataError as exc:
            raise InvalidFeature(str(exc), parameter="properties") from None


async def parsed(request: Request, conn: asyncpg.Connection, layer: Layer, body: Any,
                 mode: Mode, feature_id: int | None = None) -> FeatureInput:
    return parse_feature(body, await target(request, conn, layer), mode, feature_id)


async def record(request: Request, conn: asyncpg.Connection, layer: Layer,
                 written: edits.Written, action: str, **detail: Any) -> None:
    await audit.record(request, f"feature.{action}", f"{layer.id}/{written.feature_id}",
                       {"version": written.version, "changed": written.changed, **detail},
                       conn=conn)


async def feature_response(request: Request, conn: asyncpg.Connection, layer: Layer,
                           written: edits.Written, status: int = 200) -> Response:
    """The feature as stored now, with its new ETag (and Location for a new one)."""
    text = await features.fetch_feature(conn, layer, written.feature_id, parse_crs(CRS84_URI))
    if text is None:
        return Response(status_code=204)
    feature = orjson.loads(text)
    version = feature["properties"].get(VERSION_PROPERTY) or written.version
    headers = {"ETag": etag(version), "Content-Crs": f"<{CRS84_URI}>"}
    if status == 201:
        headers["Location"] = (f"{base_url(request)}/collections/{layer.id}/items/"
                               f"{written.feature_id}")
    return json_response(feature, GEOJSON, headers, status)


def base_of(request: Request, feature: FeatureInput | None = None) -> edits.Base:
    return edits.Base(if_match(request), feature.read_version if feature else None)


def describe_base(base: edits.Base) -> dict[str, object]:
    return {"ifMatch": sorted(base.if_match) if base.if_match is not None else None,
            "readVersion": base.read_version}
