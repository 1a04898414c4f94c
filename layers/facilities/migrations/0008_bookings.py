"""Facility bookings (施設予約) and the monthly lottery (抽選): rooms with their booking units,
opening hours and closed days; bookings that the database itself keeps from overlapping;
waiting lists; lottery rounds, slots, entries and results; citizens' verified addresses
(households); the notification outbox; the public free/busy view of facilities.

Revision ID: 0008_bookings
Revises: 0006_feature_history
"""

from alembic import op

revision = "0008_bookings"
down_revision = "0006_feature_history"
branch_labels = None
depends_on = None

ROLES_BEFORE = "'citizen', 'planner', 'disaster_officer', 'network_staff', 'caseworker', 'admin'"
ACTIVE = "'confirmed', 'won', 'blocked'"  # booking states that hold their time (layers.facilities)

ROLES = f"""
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE user_role DROP CONSTRAINT user_role_role_check;
ALTER TABLE user_role ADD CONSTRAINT user_role_role_check
    CHECK (role IN ({ROLES_BEFORE}, 'facility_staff'));
"""

PEOPLE = """
CREATE TABLE citizen_profile (
    user_id integer PRIMARY KEY REFERENCES app_user ON DELETE CASCADE,
    address text NOT NULL CHECK (length(address) BETWEEN 1 AND 300),
    household_key text NOT NULL,
    verified boolean NOT NULL DEFAULT false,
    verified_at timestamptz,
    verified_by integer REFERENCES app_user ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX citizen_profile_household_idx ON citizen_profile (household_key);
CREATE TABLE public_holiday (
    day date PRIMARY KEY,
    name text NOT NULL
);
"""

# Rooms follow their facility: the FK is deferred so that a reload of the facility layer can
# relink them (data.rooms.rooms_follow_facilities) before it commits.
ROOMS = """
CREATE TABLE room (
    id serial PRIMARY KEY,
    facility_id integer NOT NULL REFERENCES facility DEFERRABLE INITIALLY DEFERRED,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind text NOT NULL CHECK (kind ~ '^[a-z_]{2,30}$'),
    capacity integer NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
    equipment text[] NOT NULL DEFAULT '{}',
    fee_yen integer NOT NULL CHECK (fee_yen BETWEEN 0 AND 1000000),
    closed_on_holidays boolean NOT NULL DEFAULT false,
    lottery boolean NOT NULL DEFAULT false,
    active boolean NOT NULL DEFAULT true,
    is_sample boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (facility_id, name)
);
CREATE TRIGGER room_touch BEFORE UPDATE ON room
    FOR EACH ROW EXECUTE FUNCTION citygis_touch_updated_at();
CREATE TABLE room_unit (
    room_id integer NOT NULL REFERENCES room ON DELETE CASCADE,
    label text NOT NULL CHECK (length(label) BETWEEN 1 AND 30),
    starts time NOT NULL,
    ends time NOT NULL CHECK (starts < ends),
    PRIMARY KEY (room_id, starts),
    EXCLUDE USING gist (room_id WITH =, tsrange(date '2000-01-01' + starts,
                                                date '2000-01-01' + ends) WITH &&)
);
CREATE TABLE room_hours (
    room_id integer NOT NULL REFERENCES room ON DELETE CASCADE,
    weekday smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),  -- ISO 8601: 1 = Monday
    opens time NOT NULL,
    closes time NOT NULL CHECK (opens < closes),
    PRIMARY KEY (room_id, weekday)
);
CREATE TABLE room_closure (
    room_id integer NOT NULL REFERENCES room ON DELETE CASCADE,
    day date NOT NULL,
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    PRIMARY KEY (room_id, day)
);
CREATE TABLE facility_suspension (
    id serial PRIMARY KEY,
    facility_id integer NOT NULL REFERENCES facility DEFERRABLE INITIALLY DEFERRED,
    period tstzrange NOT NULL CHECK (NOT isempty(period) AND NOT lower_inf(period)
                                     AND NOT upper_inf(period)),
    reason text NOT NULL,
    created_by integer REFERENCES app_user ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    lifted_at timestamptz
);
"""

LOTTERY = """
CREATE TABLE lottery_round (
    id serial PRIMARY KEY,
    month date NOT NULL UNIQUE CHECK (extract(day FROM month) = 1),
    opens_at timestamptz NOT NULL,
    closes_at timestamptz NOT NULL,
    confirm_by timestamptz NOT NULL,
    max_choices smallint NOT NULL CHECK (max_choices BETWEEN 1 AND 10),
    seed_commitment text NOT NULL CHECK (seed_commitment ~ '^[0-9a-f]{64}$'),
    seed bytea,  -- secret until revealed_at; NULL while staff keep it offline
    algorithm text NOT NULL,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'drawn')),
    entries_digest text,
    drawn_at timestamptz,
    results_announced_at timestamptz,  -- when the won/lost emails were queued (notify)
    revealed_at timestamptz,
    created_by integer REFERENCES app_user ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (opens_at < closes_at AND closes_at < confirm_by),
    CHECK (revealed_at IS NULL OR (seed IS NOT NULL AND status = 'drawn'))
);
CREATE TABLE lottery_slot (
    id serial PRIMARY KEY,
    round_id integer NOT NULL REFERENCES lottery_round ON DELETE CASCADE,
    room_id integer NOT NULL REFERENCES room,
    period tstzrange NOT NULL,
    available boolean,  -- set by the draw: false when the slot was already taken (suspension)
    UNIQUE (round_id, room_id, period),
    UNIQUE (id, round_id)
);
CREATE TABLE lottery_entry (
    id serial PRIMARY KEY,
    round_id integer NOT NULL REFERENCES lottery_round ON DELETE CASCADE,
    user_id integer NOT NULL REFERENCES app_user,
    household_key text NOT NULL,
    public_id text NOT NULL UNIQUE,
    party_size integer NOT NULL CHECK (party_size >= 1),
    purpose text,
    prior_losses integer NOT NULL DEFAULT 0 CHECK (prior_losses >= 0),  -- set by the draw
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (round_id, user_id),
    UNIQUE (id, round_id, household_key)
) WITH (fillfactor = 80);  -- room for the draw's in-place (HOT) updates of prior_losses
CREATE TABLE lottery_choice (
    entry_id integer NOT NULL,
    rank smallint NOT NULL CHECK (rank >= 1),
    slot_id integer NOT NULL,
    round_id integer NOT NULL,
    household_key text NOT NULL,
    PRIMARY KEY (entry_id, rank),
    -- the choice carries its entry's round and household, and its slot is of that round
    FOREIGN KEY (entry_id, round_id, household_key)
        REFERENCES lottery_entry (id, round_id, household_key) ON DELETE CASCADE,
    FOREIGN KEY (slot_id, round_id) REFERENCES lottery_slot (id, round_id),
    UNIQUE (entry_id, slot_id),
    -- one entry per household per slot: two accounts at one address cannot double their odds
    CONSTRAINT lottery_choice_household_once UNIQUE (round_id, slot_id, household_key)
);
"""

BOOKINGS = f"""
CREATE TABLE booking (
    id bigserial PRIMARY KEY,
    room_id integer NOT NULL REFERENCES room,
    user_id integer REFERENCES app_user,
    period tstzrange NOT NULL CHECK (NOT isempty(period) AND NOT lower_inf(period)
                                     AND NOT upper_inf(period) AND lower_inc(period)
                                     AND NOT upper_inc(period)),
    status text NOT NULL CHECK (status IN ('confirmed', 'won', 'blocked', 'cancelled',
                                           'lapsed', 'suspended')),
    source text NOT NULL CHECK (source IN ('first_come', 'waitlist', 'lottery', 'suspension')),
    party_size integer NOT NULL DEFAULT 1 CHECK (party_size >= 1),
    purpose text CHECK (length(purpose) <= 200),
    confirm_by timestamptz,
    lottery_entry_id integer REFERENCES lottery_entry,
    suspension_id integer REFERENCES facility_suspension,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    cancelled_at timestamptz,
    CHECK ((user_id IS NULL) = (source = 'suspension')),
    CHECK (status <> 'won' OR confirm_by IS NOT NULL),
    -- The rule of the whole module: two active bookings of a room never overlap.
    CONSTRAINT booking_no_overlap EXCLUDE USING gist (room_id WITH =, period WITH &&)
        WHERE (status IN ({ACTIVE}))
);
CREATE INDEX booking_user_idx ON booking (user_id, status);
CREATE INDEX booking_room_period_idx ON booking USING gist (room_id, period);
CREATE INDEX booking_won_idx ON booking (confirm_by) WHERE status = 'won';
CREATE TRIGGER booking_touch BEFORE UPDATE ON booking
    FOR EACH ROW EXECUTE FUNCTION citygis_touch_updated_at();
CREATE TABLE waitlist_entry (
    id bigserial PRIMARY KEY,
    room_id integer NOT NULL REFERENCES room,
    user_id integer NOT NULL REFERENCES app_user ON DELETE CASCADE,
    period tstzrange NOT NULL CHECK (NOT isempty(period)),
    party_size integer NOT NULL CHECK (party_size >= 1),
    purpose text CHECK (length(purpose) <= 200),
    status text NOT NULL DEFAULT 'waiting'
        CHECK (status IN ('waiting', 'promoted', 'withdrawn', 'expired')),
    booking_id bigint REFERENCES booking,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX waitlist_once ON waitlist_entry (room_id, user_id, period)
    WHERE status = 'waiting';
CREATE INDEX waitlist_waiting_idx ON waitlist_entry USING gist (room_id, period)
    WHERE status = 'waiting';
CREATE TABLE lottery_result (
    slot_id integer PRIMARY KEY REFERENCES lottery_slot,
    round_id integer NOT NULL REFERENCES lottery_round ON DELETE CASCADE,
    entry_id integer NOT NULL UNIQUE REFERENCES lottery_entry,
    rank smallint NOT NULL,
    booking_id bigint REFERENCES booking
);
CREATE INDEX lottery_result_round_idx ON lottery_result (round_id);
"""

# Written in the transaction of the change it announces, sent after commit (layers.facilities.
# notify): a notification is neither lost nor queued twice (dedupe_key).
OUTBOX = """
CREATE TABLE notification_outbox (
    id bigserial PRIMARY KEY,
    user_id integer REFERENCES app_user ON DELETE SET NULL,
    to_address text NOT NULL,
    kind text NOT NULL,
    payload jsonb NOT NULL,
    dedupe_key text UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    sent_at timestamptz
);
CREATE INDEX notification_outbox_pending_idx ON notification_outbox (next_attempt_at, id)
    WHERE sent_at IS NULL;
"""

# Today's free/busy of every facility with rooms, in Japan time. No personal data.
AVAILABILITY_VIEW = f"""
CREATE VIEW facility_availability AS
WITH today AS (SELECT (now() AT TIME ZONE 'Asia/Tokyo')::date AS day),
units AS (
    SELECT r.facility_id, r.id AS room_id,
           tstzrange((t.day + u.starts) AT TIME ZONE 'Asia/Tokyo',
                     (t.day + u.ends) AT TIME ZONE 'Asia/Tokyo') AS period
    FROM room r
    CROSS JOIN today t
    JOIN room_unit u ON u.room_id = r.id
    JOIN room_hours h ON h.room_id = r.id AND h.weekday = extract(isodow FROM t.day)
                     AND u.starts >= h.opens AND u.ends <= h.closes
    WHERE r.active
      AND NOT EXISTS (SELECT 1 FROM room_closure c WHERE c.room_id = r.id AND c.day = t.day)
      AND NOT (r.closed_on_holidays
               AND EXISTS (SELECT 1 FROM public_holiday p WHERE p.day = t.day))
),
counts AS (
    SELECT facility_id, count(*) AS units_today,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM booking b WHERE b.room_id = units.room_id
               AND b.status IN ({ACTIVE}) AND b.period && units.period)) AS booked_today
    FROM units GROUP BY facility_id
),
rooms AS (SELECT facility_id, count(*) AS rooms FROM room WHERE active GROUP BY facility_id)
SELECT f.id, f.name, f.kind, f.category_ja, f.is_sample,
       rooms.rooms::integer AS rooms,
       coalesce(c.units_today, 0)::integer AS units_today,
       coalesce(c.booked_today, 0)::integer AS booked_today,
       (coalesce(c.units_today, 0) - coalesce(c.booked_today, 0))::integer AS free_today,
       CASE WHEN coalesce(c.units_today, 0) = 0 THEN '休館'
            WHEN c.units_today = c.booked_today THEN '満室'
            ELSE '空きあり' END AS status_ja,
       (SELECT day FROM today) AS day,
       f.geom, f.geom_3857, now() AS updated_at
FROM facility f
JOIN rooms ON rooms.facility_id = f.id
LEFT JOIN counts c ON c.facility_id = f.id;
"""

# The view's layer version follows every table it reads, so cached tiles never go stale.
VERSION_TRIGGERS = "\n".join([*(
    f"CREATE TRIGGER {table}_availability_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
    f"ON {table} FOR EACH STATEMENT "
    "EXECUTE FUNCTION citygis_bump_layer_version('facility_availability');"
    for table in ("facility", "room", "room_unit", "room_hours", "room_closure", "booking",
                  "public_holiday")),
    "INSERT INTO layer_version (layer_id) VALUES ('facility_availability') ON CONFLICT DO NOTHING;",
])

TABLES = ("notification_outbox", "lottery_result", "waitlist_entry", "booking", "lottery_choice",
          "lottery_entry", "lottery_slot", "lottery_round", "facility_suspension", "room_closure",
          "room_hours", "room_unit", "room", "public_holiday", "citizen_profile")


def upgrade() -> None:
    for sql in (ROLES, PEOPLE, ROOMS, LOTTERY, BOOKINGS, OUTBOX, AVAILABILITY_VIEW,
                VERSION_TRIGGERS):
        op.execute(sql)


def downgrade() -> None:
    op.execute("DROP VIEW facility_availability")
    op.execute("DROP TRIGGER facility_availability_version ON facility")
    op.execute(f"DROP TABLE {', '.join(TABLES)}")
    op.execute("DELETE FROM layer_version WHERE layer_id = 'facility_availability'")
    op.execute("DELETE FROM user_role WHERE role = 'facility_staff'")
    op.execute("ALTER TABLE user_role DROP CONSTRAINT user_role_role_check")
    op.execute(f"ALTER TABLE user_role ADD CONSTRAINT user_role_role_check "
               f"CHECK (role IN ({ROLES_BEFORE}))")
