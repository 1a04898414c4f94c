"""``citygis load``: the real open data and, where none exists yet, labelled samples.

Idempotent: each layer is written only when its inputs changed (fingerprint), all-or-nothing
per layer. Sample layers never overwrite a layer that holds imported real data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import psycopg
from sqlalchemy.engine import URL
from tqdm import tqdm

from data import hazard_scenario, rooms, samples, sources
from data.hazard_load import load_disaster
from data.inputs import CityInputs
from data.store import KeepLinks, Provenance, fingerprint, replace_rows, stored_fingerprint
from gis_core.database import database_url, psycopg_connect
from gis_core.settings import get_settings
from layers.base import models as base
from layers.disaster import models as disaster
from layers.facilities import models as facilities
from layers.facilities.links import rooms_follow_facilities


def _columns(table) -> list[str]:
    skip = {"id", "geom", "geom_3857", "updated_at"}
    return [c.name for c in table.columns if c.name not in skip and not c.info.get("operational")]


@dataclass(frozen=True)
class Step:
    """One layer of the load: what it writes, from what, and how it is built."""

    provenance: Provenance
    table: str
    columns: list[str]
    build: Callable[[], gpd.GeoDataFrame]
    keep_links: KeepLinks | None = None


@dataclass(frozen=True)
class StepResult:
    layer_id: str
    status: str  # "loaded", "unchanged" or "kept-import"
    count: int


def city_steps(inputs: CityInputs) -> list[Step]:
    return [
        Step(sources.CITY_BOUNDARY, "city_boundary", _columns(base.city_boundary),
             lambda: inputs.boundary),
        Step(sources.CHOME, "chome", _columns(base.chome), lambda: inputs.chome),
        Step(sources.CHOME_AREAS, "chome_area", _columns(base.chome_area),
             lambda: samples.chome_areas(inputs.shape)),
        Step(sources.WATER_AREAS, "water_area", _columns(base.water_area),
             lambda: samples.water_areas(inputs.shape)),
        Step(sources.RIVERS, "river", _columns(base.river), lambda: samples.rivers(inputs.shape)),
        Step(sources.ROADS, "road", _columns(base.road), lambda: samples.roads(inputs.shape)),
        Step(sources.FACILITIES, "facility", _columns(facilities.facility),
             lambda: inputs.facilities, keep_links=rooms_follow_facilities),
        Step(sources.SHELTERS, "shelter", _columns(disaster.shelter),
             lambda: samples.shelters(inputs.facilities)),
        Step(sources.FLOOD_ZONES, "flood_zone", _columns(disaster.flood_zone),
             lambda: hazard_scenario.flood_zones(inputs.scenario)),
    ]


def _step_fingerprint(inputs: CityInputs, step: Step) -> str:
    if step.provenance.layer_id == "city_boundary":
        return fingerprint(inputs.boundary_path, "boundary-1")
    if step.provenance.layer_id == "chome":
        return fingerprint(inputs.chome_path, "chome-1")
    if step.provenance.layer_id == "flood_zones":
        return inputs.sample_fingerprint(f"flood_zones:{hazard_scenario.VERSION}")
    return inputs.sample_fingerprint(step.provenance.layer_id)


def holds_import(conn: psycopg.Connection, layer_id: str) -> bool:
    row = conn.execute("SELECT is_sample FROM dataset WHERE layer_id = %s", (layer_id,)).fetchone()
    return row is not None and not row[0]


def run_step(conn: psycopg.Connection, inputs: CityInputs, step: Step) -> StepResult:
    layer_id = step.provenance.layer_id
    wanted = _step_fingerprint(inputs, step)
    if stored_fingerprint(conn, layer_id) == wanted:
        return StepResult(layer_id, "unchanged", 0)
    if step.provenance.is_sample and holds_import(conn, layer_id):
        return StepResult(layer_id, "kept-import", 0)
    with conn.transaction():
        count = replace_rows(conn, step.table, step.build(), step.columns, step.provenance, wanted,
                             step.keep_links)
    return StepResult(layer_id, "loaded", count)


def rooms_step(conn: psycopg.Connection) -> StepResult:
    """Sample rooms for the facilities that have none (data/rooms.py), and the holidays the
    free/busy view needs. Never changes existing rooms."""
    rooms.sync_holidays(conn, date.today())
    added = rooms.load_rooms(conn)
    return StepResult("rooms", "loaded" if added else "unchanged", added)


def load_city(url: URL | None = None, *, progress: bool = True) -> list[StepResult]:
    url = url or database_url()
    inputs = CityInputs(get_settings().data_dir)
    steps = city_steps(inputs)
    results = []
    with psycopg_connect(url, autocommit=True) as conn:
        bar = tqdm(steps, desc="Loading the city", unit="layer", disable=not progress)
        for step in bar:
            bar.set_postfix_str(step.provenance.layer_id)
            results.append(run_step(conn, inputs, step))
        for layer_id, status in load_disaster(conn, inputs, get_settings().raster_dir):
            results.append(StepResult(layer_id, status, 0))
        results.append(rooms_step(conn))
    return results
