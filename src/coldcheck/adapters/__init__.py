"""coldcheck adapters layer."""
