"""The layer catalog: every published layer is declared once, here, and the OGC API routers,
tile endpoints and exports are generic over it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from gis_core.access import EVERYONE, Role, may

FieldType = Literal["string", "integer", "number", "boolean", "date", "datetime"]
GeometryType = Literal[
    "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"
]

JSON_SCHEMA_TYPES: dict[str, dict[str, str]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
}


TEXT_LENGTH = 200
"""Characters a string attribute may hold unless its Field says otherwise: enough for any
name or address, and a bound on what one feature adds to every tile that draws it."""


@dataclass(frozen=True)
class Field:
    """One attribute of a layer. ``expression`` is SQL over the table alias ``t`` for computed
    attributes (e.g. a metric length); plain columns leave it empty."""

    name: str
    type: FieldType
    title_ja: str
    title_en: str
    expression: str | None = None
    filterable: bool = True
    max_length: int | None = None
    """For strings: the most characters (TEXT_LENGTH when unset), enforced by a CHECK too."""

    @property
    def sql(self) -> str:
        return self.expression or f't."{self.name}"'

    @property
    def length_limit(self) -> int | None:
        if self.type != "string":
            return None
        return self.max_length or TEXT_LENGTH

    def json_schema(self) -> dict[str, object]:
        schema: dict[str, object] = {**JSON_SCHEMA_TYPES[self.type], "title": self.title_ja,
                                     "x-title-en": self.title_en}
        if self.length_limit:
            schema["maxLength"] = self.length_limit
        return schema


UPDATED_AT = Field("updated_at", "datetime", "更新日時", "Last updated")
VERSION_PROPERTY = "feature_version"
"""The read-only property that carries a feature's version on editable layers (its ETag is
``"v<version>"``). Clients that cannot send If-Match (QGIS) echo it back on PUT."""


@dataclass(frozen=True)
class Layer:
    """A published layer: a PostGIS table with a geometry in EPSG:4326, a generated EPSG:3857
    copy for tiles and ``updated_at`` (published as the features' time unless
    ``temporal_field`` names another field or is None)."""

    id: str
    table: str
    geometry_type: GeometryType
    title_ja: str
    title_en: str
    description_ja: str
    description_en: str
    fields: tuple[Field, ...]
    domain: str
    read_roles: frozenset[Role] = EVERYONE
    edit_roles: frozenset[Role] = frozenset()
    id_column: str = "id"
    geometry_column: str = "geom"
    tile_geometry_column: str = "geom_3857"
    temporal_field: str | None = "updated_at"
    basemap: bool = False
    static_in_emergency: bool = False
    """Does not change in a disaster (the base map): its tiles are cached longer while the
    emergency mode is on, so browsers and proxies spare the server during the spike."""
    min_zoom: int = 0
    max_zoom: int = 22
    keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Every layer table has updated_at (gis_core.schema); publish it as the features' time.
        if self.temporal_field == UPDATED_AT.name and self.field(UPDATED_AT.name) is None:
            object.__setattr__(self, "fields", (*self.fields, UPDATED_AT))
        if self.temporal_field and self.field(self.temporal_field) is None:
            raise ValueError(f"{self.id}: temporal_field {self.temporal_field!r} is no field")
        if self.field(VERSION_PROPERTY) is not None:
            raise ValueError(f"{self.id}: {VERSION_PROPERTY!r} is reserved for the version")

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def may_read(self, roles: frozenset[Role]) -> bool:
        return may(self.read_roles, roles)

    def may_edit(self, roles: frozenset[Role]) -> bool:
        return bool(self.edit_roles) and may(self.edit_roles, roles)

    @property
    def keeps_history(self) -> bool:
        """Editable layers keep every version of their features (migration 0006)."""
        return bool(self.edit_roles)

    @property
    def editable_fields(self) -> tuple[Field, ...]:
        """Fields a client may write: stored columns, not the id, time stamp or computed ones."""
        return tuple(f for f in self.fields if f.expression is None
                     and f.name not in (self.id_column, UPDATED_AT.name))

    def is_read_only(self, name: str) -> bool:
        """A property the server maintains; clients that send it back (QGIS) are not refused."""
        known = self.field(name)
        return name in (self.id_column, VERSION_PROPERTY) or (
            known is not None and known not in self.editable_fields)

    @property
    def is_public(self) -> bool:
        return Role.PUBLIC in self.read_roles


@dataclass
class Catalog:
    _layers: dict[str, Layer] = field(default_factory=dict)

    def register(self, *layers: Layer) -> None:
        for layer in layers:
            known = self._layers.get(layer.id)
            if known is not None and known != layer:
                raise ValueError(f"layer id {layer.id!r} is declared twice")
            self._layers[layer.id] = layer

    def get(self, layer_id: str) -> Layer | None:
        return self._layers.get(layer_id)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self._layers.values())

    def readable(self, roles: frozenset[Role]) -> list[Layer]:
        return [layer for layer in self if layer.may_read(roles)]

    def put(self, layer: Layer) -> None:
        """Add or replace a layer defined at run time (user layers)."""
        self._layers[layer.id] = layer

    def remove(self, layer_id: str) -> None:
        self._layers.pop(layer_id, None)

    def copy(self) -> Catalog:
        return Catalog(dict(self._layers))

    def basemap_layers(self) -> list[Layer]:
        return [layer for layer in self if layer.basemap and layer.is_public]


catalog = Catalog()
