"""Every table coldcheck stores, gathered on one MetaData for Alembic and tests."""

from __future__ import annotations

from coldcheck.adapters.sql import account_store as _account_store  # noqa: F401  (registers tables)
from coldcheck.adapters.sql import confirmation_store as _confirmations  # noqa: F401  (registers)
from coldcheck.adapters.sql import evidence_tables as _evidence  # noqa: F401  (registers tables)
from coldcheck.adapters.sql import held_store as _held  # noqa: F401  (registers its table)
from coldcheck.adapters.sql import ledger_store as _ledger_store  # noqa: F401  (registers tables)
from coldcheck.adapters.sql import photo_store as _photos  # noqa: F401  (registers its table)
from coldcheck.adapters.sql import storage_health as _health  # noqa: F401  (registers)
from coldcheck.adapters.sql import tables as _tables

metadata = _tables.metadata

__all__ = ["metadata"]
