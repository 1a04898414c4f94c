"""The load's disaster steps: the sample flood scenario raster (unless a real raster was
imported), then the walking graph with hazard depths (when roads or hazards changed)."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg

from data import hazard_scenario, sources
from data.inputs import CityInputs
from gis_core import rasters
from layers.disaster import hazards
from layers.disaster.evacuation import rebuild_graph

FLOOD_DEPTH_ID = "flood_depth"


def scenario_entry(path: Path, fingerprint_value: str) -> hazards.RasterEntry:
    provenance = sources.FLOOD_DEPTH_RASTER
    return hazards.RasterEntry(
        id=FLOOD_DEPTH_ID, path=path, quantity="flood_depth",
        title_ja=f"浸水深 {hazard_scenario.LABEL_JA}",
        title_en=f"Flood depth ({hazard_scenario.LABEL_EN})", units="m",
        legend=hazards.legend_json(hazards.FLOOD_DEPTH_CLASSES),
        source_ja=provenance.source_ja, source_en=provenance.source_en,
        license=provenance.license, attribution=provenance.attribution, is_sample=True,
        fingerprint=fingerprint_value)


def write_scenario(inputs: CityInputs, target: Path) -> None:
    """Write the COG beside its final name, then rename: readers never see half a file."""
    scenario = inputs.scenario
    partial = target.with_suffix(f".{os.getpid()}.partial")
    rasters.write_cog(partial, scenario.depth, scenario.transform, scenario.crs, scenario.tags)
    partial.replace(target)


def load_scenario_raster(conn: psycopg.Connection, inputs: CityInputs, raster_dir: Path
                         ) -> tuple[str, str]:
    wanted = inputs.sample_fingerprint(hazard_scenario.VERSION)
    stored = hazards.stored_raster(conn, FLOOD_DEPTH_ID)
    if stored and not stored[2]:
        return FLOOD_DEPTH_ID, "kept-import"
    target = raster_dir / f"{FLOOD_DEPTH_ID}-sample-{wanted[:12]}.tif"
    if stored and stored[1] == wanted and Path(stored[0]).is_file():
        return FLOOD_DEPTH_ID, "unchanged"
    if not target.is_file():
        write_scenario(inputs, target)
    with conn.transaction():
        hazards.register(conn, scenario_entry(target, wanted))
    return FLOOD_DEPTH_ID, "loaded"


def load_disaster(conn: psycopg.Connection, inputs: CityInputs, raster_dir: Path
                  ) -> list[tuple[str, str]]:
    return [load_scenario_raster(conn, inputs, raster_dir),
            ("road_graph", rebuild_graph(conn))]
