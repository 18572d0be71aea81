"""Two people at once: run the same work in several threads, each on its own database connection."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def at_once(work: Callable[[], Any], times: int = 2, *, together: bool = True) -> tuple[list, list[Exception]]:
    """Run `work` in `times` threads, started together (behind a barrier) unless `together` is False (the work
    then holds its own barrier where it matters); returns the results and the errors, in the order they came.
    Each thread closes its connection, so the test database can be dropped afterwards."""
    barrier = threading.Barrier(times)
    results: list = []
    errors: list[Exception] = []

    def run() -> None:
        try:
            if together:
                barrier.wait(timeout=10)
            results.append(work())
        except Exception as error:  # noqa: BLE001 - the test reads the errors
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors
