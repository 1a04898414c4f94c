"""A layer only caseworkers (and admins) may read, for the access tests. Served by a test server
started with ``extra_layer_modules=["tests.api.restricted_layer"]``; its table is made by
``create_table``."""

from __future__ import annotations

from gis_core.access import Role
from gis_core.catalog import Field, Layer
from gis_core.schema import layer_geometry_sql

CASE_NOTES = Layer(
    id="case_notes", table="test_case_notes", geometry_type="Point", domain="test",
    title_ja="相談記録（試験）", title_en="Case notes (test)",
    description_ja="アクセス制御の試験用。", description_en="For the access-control tests.",
    fields=(Field("note", "string", "記録", "Note"),),
    read_roles=frozenset({Role.CASEWORKER}),
)
LAYERS = (CASE_NOTES,)
SECRET_NOTE = "田中様 生活保護 相談 (personal)"


def create_table_sql() -> str:
    return f"""
CREATE TABLE {CASE_NOTES.table} (id bigint PRIMARY KEY, note text NOT NULL);
{layer_geometry_sql(CASE_NOTES.table, "Point", [CASE_NOTES.id])}
INSERT INTO {CASE_NOTES.table} (id, note, geom)
VALUES (1, '{SECRET_NOTE}', ST_SetSRID(ST_MakePoint(139.4265, 35.7454), 4326));
"""
