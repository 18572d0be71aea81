"""Settings of the benchmark: the local settings on a database of its own, so that `make bench`
never touches db.sqlite3 or the test databases.

BENCH_DATABASE_URL names it; by default a SQLite file in bench/out/, or, when DATABASE_URL names
PostgreSQL, a database `crm_bench` on the same server (bench/generate.py creates it).
"""

import os

from crm.settings.local import *  # noqa: F403
from crm.settings.local import BASE_DIR, env


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
# Measure what production runs: no DEBUG overhead, real templates, tasks in-process.
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
AXES_ENABLED = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
