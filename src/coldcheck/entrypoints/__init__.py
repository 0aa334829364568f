"""coldcheck entrypoints layer."""
