"""Staff deadline digest."""
