"""Three descriptions of each domain's tables agree with each other: the database the migrations
build, the domain's ``models.py`` (which loaders and readers use) and its catalog ``Field``s
(which the API publishes). A column renamed, retyped or added in one of them fails here."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

import pytest
from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL

from gis_core.catalog import Layer
from gis_core.database import psycopg_connect
from gis_core.domain import Domain
from layers import DOMAINS, load_catalog

FAMILIES = {
    "string": ("text", "character varying", "varchar", "character"),
    "integer": ("integer", "bigint", "smallint"),
    "number": ("double precision", "numeric", "real", "float"),
    "boolean": ("boolean",),
    "date": ("date",),
    "datetime": ("timestamp with time zone",),
}

DbColumns = dict[str, dict[str, tuple[str, bool]]]  # table -> column -> (family, nullable)


def family(sql_type: str) -> str:
    """The kind of value a SQL type holds (``bigint`` and ``integer`` are both integers); types
    outside the catalog's (geometry with its kind and SRID, jsonb, ranges, …) stand alone."""
    name = sql_type.lower()
    if name.endswith("[]"):
        return family(name[:-2]) + "[]"
    base = name.split("(")[0].strip()
    return next((kind for kind, names in FAMILIES.items() if base in names), name)


@pytest.fixture(scope="module")
def db_columns(db_url: URL) -> DbColumns:
    """Tables and views of the migrated database."""
    with psycopg_connect(db_url) as conn:
        rows = conn.execute(
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull"
            " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') AND a.attnum > 0"
            " AND NOT a.attisdropped").fetchall()
    found: DbColumns = {}
    for table, column, sql_type, nullable in rows:
        found.setdefault(table, {})[column] = (family(sql_type), nullable)
    return found


def models_of(domain: Domain) -> ModuleType | None:
    name = f"layers.{domain.name}.models"
    return importlib.import_module(name) if importlib.util.find_spec(name) else None


def tables_of(domain: Domain) -> dict[str, Table]:
    module = models_of(domain)
    tables = [v for v in vars(module).values() if isinstance(v, Table)] if module else []
    return {table.name: table for table in tables}


def layers_of(domain: Domain) -> list[Layer]:
    return [layer for layer in load_catalog([]) if layer.domain == domain.name]


def model_type(column: Column) -> str:
    return family(column.type.compile(dialect=postgresql.dialect()))


def field_disagreements(layer: Layer, db_columns: DbColumns) -> list[str]:
    stored = db_columns.get(layer.table)
    if stored is None:
        return [f"{layer.id}: no table or view {layer.table!r} in the database"]
    problems = []
    for field in layer.fields:
        if field.expression is not None:
            continue
        if field.name not in stored:
            problems.append(f"{layer.id}.{field.name}: no column {layer.table}.{field.name}")
        elif stored[field.name][0] != field.type:
            problems.append(f"{layer.id}.{field.name}: a {field.type} field over a "
                            f"{stored[field.name][0]} column")
    return problems


def model_disagreements(table: Table, db_columns: DbColumns) -> list[str]:
    stored = db_columns.get(table.name)
    if stored is None:
        return [f"models.{table.name}: no such table in the database"]
    problems = [f"{table.name}.{name}: in the database, not in models.py"
                for name in sorted(stored.keys() - table.columns.keys())]
    for column in table.columns:
        if column.name not in stored:
            problems.append(f"{table.name}.{column.name}: in models.py, not in the database")
            continue
        kind, nullable = stored[column.name]
        if model_type(column) != kind:
            problems.append(f"{table.name}.{column.name}: {model_type(column)} in models.py, "
                            f"{kind} in the database")
        if bool(column.nullable) != nullable:
            problems.append(f"{table.name}.{column.name}: nullable={column.nullable} in "
                            f"models.py, {nullable} in the database")
    return problems


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
def test_catalog_fields_are_database_columns_of_their_type(domain: Domain,
                                                           db_columns: DbColumns) -> None:
    layers = layers_of(domain)
    assert layers, f"{domain.name} declares no layers"
    problems = [p for layer in layers for p in field_disagreements(layer, db_columns)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
def test_models_describe_the_database_tables_column_for_column(domain: Domain,
                                                                db_columns: DbColumns) -> None:
    tables = tables_of(domain)
    assert tables, f"{domain.name} has no models.py tables"
    problems = [p for table in tables.values() for p in model_disagreements(table, db_columns)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
def test_every_layer_table_has_its_model(domain: Domain, db_columns: DbColumns) -> None:
    """Views (facility_availability) are described by their migration alone."""
    with_tables = {layer.table for layer in layers_of(domain)} & db_columns.keys()
    views = {"facility_availability"}
    assert sorted(with_tables - views - tables_of(domain).keys()) == []


def test_family_reads_the_types_of_both_sides() -> None:
    assert family("character varying(200)") == family("TEXT") == "string"
    assert family("bigint") == family("SMALLINT") == "integer"
    assert family("double precision") == family("FLOAT") == family("NUMERIC") == "number"
    assert family("timestamp with time zone") == family("TIMESTAMP WITH TIME ZONE") == "datetime"
    assert family("text[]") == family("TEXT[]") == "string[]"
    assert family("geometry(Point,4326)") == family("geometry(POINT,4326)")
    assert family("geometry(Point,4326)") != family("geometry(MultiPoint,4326)")
