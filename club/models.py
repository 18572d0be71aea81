"""Models of the customer club app; filled by its own issue (SPEC)."""
