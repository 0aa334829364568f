"""coldcheck adapters sql layer."""
