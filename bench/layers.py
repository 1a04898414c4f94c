"""The two synthetic layers of the benchmark. The server publishes them when started with
``CITYGIS_EXTRA_LAYER_MODULES='["bench.layers"]'`` (see gis_core.settings)."""

from __future__ import annotations

from gis_core.catalog import Field, Layer

BENCH_FIELDS = (
    Field("name", "string", "名称", "Name"),
    Field("kind", "string", "種別", "Kind"),
    Field("value", "number", "値", "Value"),
)

BENCH_POINTS = Layer(
    id="bench_points", table="bench_points", geometry_type="Point", domain="bench",
    title_ja="ベンチマーク点", title_en="Benchmark points",
    description_ja="性能測定用の合成データ（点 1,000,000 件）。",
    description_en="Synthetic data for the benchmark (1,000,000 points).",
    fields=BENCH_FIELDS,
)

BENCH_POLYGONS = Layer(
    id="bench_polygons", table="bench_polygons", geometry_type="Polygon", domain="bench",
    title_ja="ベンチマーク面", title_en="Benchmark polygons",
    description_ja="性能測定用の合成データ（面 200,000 件、一辺 10〜60 m）。",
    description_en="Synthetic data for the benchmark (200,000 polygons, 10–60 m across).",
    fields=BENCH_FIELDS,
)

BENCH_LAYERS = (BENCH_POINTS, BENCH_POLYGONS)
LAYERS = BENCH_LAYERS  # published by a server started with this module in extra_layer_modules

# Higashiyamato City's bounding box (lon/lat, EPSG:4326): where the synthetic features lie.
CITY_BBOX = (139.3916, 35.7300, 139.4516, 35.7696)
