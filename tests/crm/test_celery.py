"""Celery: the ping task, eagerly and — when CELERY_BROKER_URL names Redis — through a real broker."""

import os

import pytest

from crm.celery import app as celery_app
from crm.tasks import ping

BROKER = os.environ.get("CELERY_BROKER_URL", "")


def test_ping_runs_eagerly_in_tests():
    assert ping.delay().get(timeout=1) == "pong"


@pytest.fixture
def redis_app():
    """The project's Celery app sending to Redis for real (not eagerly), with results in Redis."""
    names = ("task_always_eager", "result_backend", "broker_url")
    saved = {name: celery_app.conf[name] for name in names}
    celery_app.conf.update(task_always_eager=False, result_backend=BROKER, broker_url=BROKER)
    _forget_backend(celery_app)
    try:
        yield celery_app
    finally:
        celery_app.conf.update(saved)
        _forget_backend(celery_app)


def _forget_backend(app):
    # The result backend is built once per app (or per thread): drop it so the new setting applies.
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.mark.redis
@pytest.mark.skipif(not BROKER.startswith("redis://"),
                    reason="needs CELERY_BROKER_URL=redis://... (CI sets it; `make test` honours it)")
def test_ping_goes_through_redis_to_a_worker(redis_app):
    from celery.contrib.testing.worker import start_worker

    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        result = ping.delay()
        assert result.get(timeout=20) == "pong"
        assert result.status == "SUCCESS"
        # The result was stored by the worker in Redis, not computed here.
        assert redis_app.backend.__class__.__name__ == "RedisBackend"
        assert redis_app.backend.get(redis_app.backend.get_key_for_task(result.id)) is not None
