"""Settings of the benchmark: production-like (crm.settings.base with DEBUG off, the production
password hashers, persistent connections, cached templates) on a database of its own, so that
`make bench` never touches db.sqlite3, the test databases or production.

BENCH_DATABASE_URL names it; by default, when DATABASE_URL names PostgreSQL, a database `crm_bench`
on the same server (bench/generate.py creates it), otherwise a SQLite file in bench/out/.
What production adds on top (HTTPS redirects, secure cookies, hashed static files) changes no
page's cost and needs a certificate and collectstatic, so it is left out.
"""

import os

from crm.settings.base import *  # noqa: F403
from crm.settings.base import BASE_DIR, POSTGRES_SESSION_OPTIONS, env


def bench_database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    main = os.environ.get("DATABASE_URL", "")
    if main.startswith(("postgres://", "postgresql://")):
        return main.rsplit("/", 1)[0] + "/crm_bench"
    return f"sqlite:///{BASE_DIR / 'bench' / 'out' / 'bench.sqlite3'}"


DATABASES = {"default": env.db_url_config(bench_database_url())}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).update(POSTGRES_SESSION_OPTIONS)
DEBUG = False
SECRET_KEY = "bench-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
ALLOWED_HOSTS = ["*"]
# PASSWORD_HASHERS: Django's defaults, as in production (bench/generate.py hashes once).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
AXES_ENABLED = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
