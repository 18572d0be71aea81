"""Models of the complaints app; filled by its own issue (SPEC)."""
