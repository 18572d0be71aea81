"""The demo-data registry of `crm_demo` (crm imports no app): each app registers a loader from its
AppConfig.ready(), and the command runs them in order after creating the teams and the demo users.

    register_demo("credit", load_credit_demo, order=20)

A loader is called as `loader(users=..., teams=..., rng=..., customers=...)` (users and teams by name) and
returns a line to print (or ""). It must be idempotent: a second `crm_demo` adds nothing."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoLoader:
    name: str
    load: Callable[..., str]
    order: int


DEMO_LOADERS: dict[str, DemoLoader] = {}


def register_demo(name: str, load: Callable[..., str], *, order: int = 100) -> None:
    DEMO_LOADERS[name] = DemoLoader(name=name, load=load, order=order)


def demo_loaders() -> list[DemoLoader]:
    return sorted(DEMO_LOADERS.values(), key=lambda loader: (loader.order, loader.name))
