"""Models of the bids and contracts app; filled by its own issue (SPEC)."""
