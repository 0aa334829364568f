"""coldcheck service layer."""
