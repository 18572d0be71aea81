"""The process's cache of admin-set rule values (crm.rules), apart so that the model can clear it on save
without importing crm.rules (which imports the model)."""

VALUES: dict[str, tuple[float, object]] = {}


def clear() -> None:
    VALUES.clear()
