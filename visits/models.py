"""Models of the visits and calls app; filled by its own issue (SPEC)."""
