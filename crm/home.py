"""The home page per role: each app contributes panels (title, rows, link) through HOME_PANELS."""

from collections.abc import Callable

HOME_PANELS: list[Callable] = []


def home_panel(func: Callable) -> Callable:
    """Register `func(user) -> dict | None` as a home-page panel."""
    HOME_PANELS.append(func)
    return func


def home_panels(user) -> list[dict]:
    panels = []
    for func in HOME_PANELS:
        panel = func(user)
        if panel:
            panels.append(panel)
    return panels
