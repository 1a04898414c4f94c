"""The city's input files and the shapes derived from them, read once per load and shared by
its steps (the base, facilities and disaster layers)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from data import hazard_scenario, samples
from data.city import BOUNDARY_FILE, CHOME_FILE, data_file, read_boundary, read_chome_points
from data.store import fingerprint


class CityInputs:
    """The real files and the shapes derived from them, read once and shared by the steps."""

    def __init__(self, data_dir: Path) -> None:
        self.boundary_path = data_file(data_dir, BOUNDARY_FILE)
        self.chome_path = data_file(data_dir, CHOME_FILE)
        self._boundary: gpd.GeoDataFrame | None = None
        self._chome: gpd.GeoDataFrame | None = None
        self._facilities: gpd.GeoDataFrame | None = None
        self._scenario: hazard_scenario.Scenario | None = None

    @property
    def boundary(self) -> gpd.GeoDataFrame:
        if self._boundary is None:
            self._boundary = read_boundary(self.boundary_path)
        return self._boundary

    @property
    def chome(self) -> gpd.GeoDataFrame:
        if self._chome is None:
            self._chome = read_chome_points(self.chome_path)
        return self._chome

    @property
    def shape(self) -> samples.CityShape:
        return samples.CityShape.from_frames(self.boundary, self.chome)

    @property
    def facilities(self) -> gpd.GeoDataFrame:
        if self._facilities is None:
            self._facilities = samples.facilities(self.shape)
        return self._facilities

    @property
    def scenario(self) -> hazard_scenario.Scenario:
        if self._scenario is None:
            self._scenario = hazard_scenario.flood_depth(self.boundary,
                                                         samples.rivers(self.shape))
        return self._scenario

    def sample_fingerprint(self, layer_id: str) -> str:
        return fingerprint(
            self.boundary_path, self.chome_path, samples.GENERATOR_VERSION, layer_id
        )
