"""Length limits on every text attribute of a layer, enforced by the database: a 1 MB name was
once stored and made one basemap tile 50 times larger for every visitor.

The limits are the catalog's (``Field.length_limit``, 200 characters unless a field says
otherwise); tests/gis_core/test_text_limits.py holds the two together. Planners' layers get
theirs too, here for those that exist and in ``user_layers.create_sql`` for new ones.

Revision ID: 0013_text_limits
Revises: 0012_rate_limits
"""

import json

from alembic import op
from sqlalchemy import text

revision = "0013_text_limits"
down_revision = "0012_rate_limits"
branch_labels = None
depends_on = None

DEFAULT = 200
LIMITS: dict[str, dict[str, int]] = {
    "city_boundary": {"code": DEFAULT, "pref": DEFAULT, "name": DEFAULT},
    "chome": {"name": DEFAULT, "name_kana": DEFAULT, "city": DEFAULT, "pref": DEFAULT},
    "chome_area": {"name": DEFAULT, "key_code": DEFAULT},
    "road": {"name": DEFAULT, "kind": DEFAULT},
    "river": {"name": DEFAULT, "kind": DEFAULT},
    "water_area": {"name": DEFAULT, "kind": DEFAULT},
    "facility": {"name": DEFAULT, "name_kana": DEFAULT, "kind": DEFAULT, "category_ja": DEFAULT,
                 "address": DEFAULT, "source_code": DEFAULT},
    "shelter": {"name": DEFAULT, "address": DEFAULT, "gsi_id": DEFAULT, "status": DEFAULT,
                "accessibility": DEFAULT},
    "flood_zone": {"depth_rank": DEFAULT, "label_ja": DEFAULT, "river_name": DEFAULT},
    "crowd_report": {"category": DEFAULT, "note": 1000, "status": DEFAULT},
    "landslide_zone": {"zone_kind": DEFAULT, "phenomenon": DEFAULT, "label_ja": DEFAULT,
                       "place_name": DEFAULT},
}


def _user_layer_limits() -> dict[str, dict[str, int]]:
    rows = op.get_bind().execute(text("SELECT id, fields FROM user_layer")).all()
    found = {}
    for layer_id, fields in rows:
        fields = json.loads(fields) if isinstance(fields, str) else fields
        strings = {f["name"]: f.get("max_length") or DEFAULT for f in fields
                   if f["type"] == "string"}
        if strings:
            found[f"ul_{layer_id}"] = strings
    return found


def upgrade() -> None:
    for table, columns in {**LIMITS, **_user_layer_limits()}.items():
        for column, limit in columns.items():
            op.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{table}_{column}_length" '
                       f'CHECK (char_length("{column}") <= {limit})')


def downgrade() -> None:
    for table, columns in {**LIMITS, **_user_layer_limits()}.items():
        for column in columns:
            op.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{table}_{column}_length"')
