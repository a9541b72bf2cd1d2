"""Shared fixtures. Server fixtures live in tests/support/ and are re-exported here."""
