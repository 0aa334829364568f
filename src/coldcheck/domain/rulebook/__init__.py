"""The safety rules, one module per area; :mod:`coldcheck.domain.rules` is the entry point."""
