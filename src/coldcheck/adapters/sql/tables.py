"""The one SQLAlchemy ``MetaData`` every coldcheck table is defined on.

Tables live in the module that owns them (e.g. ``ledger_store.py``) and
register themselves here, so Alembic autogenerate and ``create_all`` see one
schema. The naming convention gives every constraint a stable, predictable
name on SQLite and PostgreSQL alike (as the Alembic docs recommend), which
migrations need to alter or drop them later.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
)

__all__ = ["NAMING_CONVENTION", "metadata"]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


# -- the event index: one row per ledger entry, for finding a production's events ----
# The entry bytes themselves (the source of truth) live in ``ledger_entries``.
events = Table(
    "events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("production", String(64), nullable=False),
    Column("type", String(64), nullable=False),
    Column("version", SmallInteger, nullable=False),
    Column("at", String(40), nullable=False),
    Index("ix_events_production_seq", "production", "seq", unique=True),
)

# Which weapons, lots, containers and people each event concerns (timelines, evidence).
event_refs = Table(
    "event_refs",
    metadata,
    Column("production", String(64), nullable=False),
    Column("ref", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    PrimaryKeyConstraint("production", "ref", "seq"),
)

# -- read tables (projections), rebuilt from the log by ``coldcheck verify --rebuild`` ----
productions = Table(
    "productions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("company", String(200), nullable=False),
    Column("location", String(200), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("last_seq", BigInteger, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column("production", String(64), nullable=False),
    Column("person", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("roles", String(400), nullable=False),
    PrimaryKeyConstraint("production", "person"),
    Index("ix_memberships_person", "person"),
)

weapon_view = Table(
    "weapon_view",
    metadata,
    Column("production", String(64), nullable=False),
    Column("tag", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("action", String(32), nullable=False),
    Column("label", String(32), nullable=False),
    Column("custody", String(32), nullable=False),
    Column("holder", String(64)),
    Column("retired", Boolean, nullable=False),
    Column("last_inspected_at", String(40)),
    PrimaryKeyConstraint("production", "tag"),
)

lot_view = Table(
    "lot_view",
    metadata,
    Column("production", String(64), nullable=False),
    Column("tag", String(16), nullable=False),
    Column("round_class", String(16), nullable=False),
    Column("calibre", String(64), nullable=False),
    Column("received", Integer, nullable=False),
    Column("in_store", Integer, nullable=False),
    Column("in_weapons", Integer, nullable=False),
    Column("fired", Integer, nullable=False),
    Column("returned", Integer, nullable=False),
    Column("destroyed", Integer, nullable=False),
    Column("quarantined", Boolean, nullable=False),
    PrimaryKeyConstraint("production", "tag"),
)

# Saved production states, so loading a production does not replay its whole history.
snapshots = Table(
    "snapshots",
    metadata,
    Column("production", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("format", String(64), nullable=False),
    Column("state", LargeBinary, nullable=False),
)
