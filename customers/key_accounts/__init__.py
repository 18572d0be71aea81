"""Key accounts (大客户管理, SPEC §3): the application with its two-level approval (department head, then
the GM), the tiers A–D that follow the approved annual revenue target, per-year thresholds, candidates
proposed from revenue and frequency, and the yearly tier-change proposals."""
