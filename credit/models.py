"""Models of the credit app; filled by its own issue (SPEC)."""
