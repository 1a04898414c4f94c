"""The one settings object. Nothing else in the code base reads the environment."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITYGIS_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
        description="An existing PostGIS database; unset means the project-owned cluster.",
    )
    data_dir: Path = Field(
        default=PROJECT_ROOT.parent / "shared" / "data",
        description="Folder of the city's open data (see its MANIFEST.md).",
    )
    var_dir: Path = PROJECT_ROOT / "var"
    raster_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "rasters",
        description="Where hazard rasters (COG) are written: generated scenarios and imports.",
    )
    raster_upload_max_bytes: int = Field(
        default=512 * 1024 * 1024, description="Largest GeoTIFF accepted by PUT /rasters/{id}.")
    pg_bin_dir: Path = Path("/usr/lib/postgresql/15/bin")
    pg_port: int = 54329
    pg_os_user: str = "citygis"
    db_name: str = "citygis"
    city_code: str = "13220"
    city_name_ja: str = "東大和市"
    city_name_en: str = "Higashiyamato City"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = Field(
        default=None, description="Base URL for links, when served behind a proxy."
    )
    default_limit: int = 100
    max_limit: int = 10_000
    exact_count_cap: int = 10_000
    tile_cache_bytes: int = 256 * 1024 * 1024
    db_pool_size: int = Field(
        default_factory=lambda: max(4, 2 * (os.cpu_count() or 2)),
        description="Database connections per server worker. About twice the cores: more "
        "backends than cores only contend (bench/README.md: on 2 cores, 4 connections served "
        "z14–16 tiles 1.2× faster than 16, with a p99 a third as long).",
    )
    max_upload_bytes: int = Field(
        default=200 * 1024 * 1024, description="Largest file a layer import accepts (413 beyond)."
    )
    max_body_bytes: int = Field(
        default=4 * 1024 * 1024, description="Largest request body accepted (413 beyond)."
    )
    edit_extent: tuple[float, float, float, float] = Field(
        default=(139.29, 35.63, 139.55, 35.87),
        description="lon/lat box that edited geometries must lie in: the city and ~10 km "
        "around it, so that swapped axes or a wrong Content-Crs are caught.",
    )
    online_basemap_url: str | None = Field(
        default=None,
        description="An online raster basemap under the city's layers on the web map: an XYZ "
        "template such as 地理院タイル https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png. "
        "Unset (the default): the map draws only the city's own layers and works offline.",
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server for notifications (予約・抽選のお知らせ). Unset: they wait in "
        "the outbox (notification_outbox) until one is set and `citygis notify drain` runs.",
    )
    smtp_port: int = 25
    smtp_from: str = "東大和市 施設予約 <yoyaku@city.higashiyamato.example>"
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_s: float = 10.0
    housekeeping_interval_s: float = Field(
        default=60.0,
        description="How often the server lapses unconfirmed lottery wins, sends confirm-by "
        "reminders and retries unsent notifications; 0 turns the loop off.",
    )
    debug: bool = Field(
        default=False,
        description="citygis commands show the traceback of a failure, not one line.",
    )
    extra_layer_modules: list[str] = Field(
        default_factory=list,
        description="Extra modules whose `LAYERS` the server publishes too (used by bench/).",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
