"""The project's own tooling: demo data, the process supervisor, settings and deployment files."""

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from crm.models import Team, User
from customers.models import BusinessRecord, Contact, Customer
from customers.validators import validate_credit_code

ROOT = Path(settings.BASE_DIR)


# --- crm_demo -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_crm_demo_creates_everything_once(capsys):
    call_command("crm_demo", "--customers", "25")
    out = capsys.readouterr().out
    assert "Created 25 customers" in out and "Wuliu-Demo-2026" in out
    users = {u.username: u for u in User.objects.all()}
    assert {"admin", "clerk", "manager1", "manager2", "head", "gm", "credit", "club", "freight"} <= set(users)
    assert users["admin"].is_superuser
    assert list(users["manager1"].groups.values_list("name", flat=True)) == ["account_manager"]
    assert users["head"].check_password("Wuliu-Demo-2026")
    assert Team.objects.get(name="华东分公司").head == users["head"]

    # The archive demo's customers come first; the pipeline demo then adds 8 leads beside them (entered today)
    # and gives the archive's own leads and prospects their pipeline profile.
    assert Customer.objects.count() == 25 + 8
    customers = list(Customer.objects.order_by("id").select_related("owner", "team", "region", "route")[:25])
    assert Customer.objects.filter(pipeline__isnull=False).count() > 8
    for customer in customers:
        validate_credit_code(customer.credit_code)
        assert customer.code.startswith("C") and customer.name.endswith("公司")
        assert customer.route.region == customer.region
        assert customer.team in customer.owner.teams.all()
        assert customer.owner_changes.count() == 1  # filed through customer_create
    assert Contact.objects.exclude(birth_date=None).count() >= 25
    records = BusinessRecord.objects.all()
    assert records.exists() and all(r.amount > 0 for r in records)

    # A second run adds nothing and changes nothing.
    snapshot = (User.objects.count(), Customer.objects.count(), Contact.objects.count(), records.count(),
                Team.objects.count())
    call_command("crm_demo", "--customers", "25")
    assert "exist already" in capsys.readouterr().out
    assert snapshot == (User.objects.count(), Customer.objects.count(), Contact.objects.count(), records.count(),
                        Team.objects.count())


@pytest.mark.django_db
def test_crm_demo_refuses_production_settings(settings):
    settings.SETTINGS_MODULE = "crm.settings.production"
    with pytest.raises(CommandError, match="production"):
        call_command("crm_demo", "--customers", "1")
    assert not User.objects.exists()


# --- scripts/run_all.py ---------------------------------------------------------------------------

def _supervisor(specs):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import run_all
    finally:
        sys.path.pop(0)
    return run_all.Supervisor(specs)


def test_supervisor_stops_everything_when_one_child_dies():
    supervisor = _supervisor({
        "sleeper": [sys.executable, "-c", "import time; time.sleep(60)"],
        "crasher": [sys.executable, "-c", "import time, sys; time.sleep(0.3); sys.exit(3)"],
    })
    started = time.monotonic()
    assert supervisor.run() == 3
    assert time.monotonic() - started < 8
    assert all(child.poll() is not None for child in supervisor.children.values())


def test_supervisor_forwards_sigint_to_every_child(tmp_path):
    script = ROOT / "scripts" / "run_all.py"
    marker = tmp_path / "stopped"
    child = ("import signal, sys, time, pathlib\n"
             "def bye(*a):\n"
             f"    pathlib.Path({str(marker)!r}).write_text('ok'); sys.exit(0)\n"
             "signal.signal(signal.SIGTERM, bye)\n"
             "time.sleep(60)\n")
    code = ("import runpy, sys, signal, threading, os, time\n"
            f"sys.path.insert(0, {str(script.parent)!r})\n"
            "import run_all\n"
            f"s = run_all.Supervisor({{'a': [sys.executable, '-c', {child!r}]}})\n"
            "threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()\n"
            "sys.exit(s.run())\n")
    result = subprocess.run([sys.executable, "-c", code], timeout=30, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "interrupted" in result.stdout
    assert marker.read_text() == "ok"


def test_install_deps_reads_pyproject():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import install_deps
    finally:
        sys.path.pop(0)
    wanted = install_deps.requirements(["dev"])
    assert any(r.startswith("Django==") for r in wanted)
    assert any(r.startswith("pytest-django==") for r in wanted)
    assert not any(r.startswith("pytest==") for r in install_deps.requirements([]))


# --- settings and deployment files ----------------------------------------------------------------

def _env_vars_read_by_settings() -> set[str]:
    names = set()
    for path in (ROOT / "crm" / "settings").glob("*.py"):
        names |= set(re.findall(r"""env(?:\.\w+)?\(\s*["']([A-Z_]+)["']""", path.read_text(encoding="utf-8")))
    return names


def test_env_example_lists_every_variable():
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(encoding="utf-8"),
                            flags=re.MULTILINE))
    read = _env_vars_read_by_settings()
    assert {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"} <= read
    assert read - listed == set()


def test_docker_compose_is_complete():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    assert services["db"]["image"] == "postgres:16" and services["redis"]["image"] == "redis:7"
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    assert "/healthz/" in " ".join(services["web"]["healthcheck"]["test"])
    assert "migrate" in services["web"]["command"] and "collectstatic" in services["web"]["command"]
    assert "gunicorn crm.wsgi" in services["web"]["command"]
    # The scheduler comes from the settings (crm.beat.SingleBeatScheduler), not overridden on the command line.
    assert "beat" in services["beat"]["command"] and "--scheduler" not in " ".join(services["beat"]["command"])
    assert {"pgdata", "media", "static"} <= set(compose["volumes"])
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DJANGO_SETTINGS_MODULE"] == "crm.settings.production"
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.11-slim" in dockerfile and "\nUSER crm" in dockerfile


def test_production_settings_pass_the_deploy_check():
    env = {"DJANGO_SETTINGS_MODULE": "crm.settings.production", "SECRET_KEY": "k" * 10 + "-Xy7#pQ2!zR9@wL4$" * 4,
           "ALLOWED_HOSTS": "crm.example.com", "DATABASE_URL": "sqlite:////tmp/crm-deploy-check.sqlite3",
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_beat_schedule_names_tasks_and_uses_the_database_scheduler():
    from django_celery_beat.schedulers import DatabaseScheduler

    from crm.beat import SingleBeatScheduler

    assert settings.CELERY_BEAT_SCHEDULER == "crm.beat:SingleBeatScheduler"
    assert issubclass(SingleBeatScheduler, DatabaseScheduler)
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    # A dead worker's task comes back within minutes; a running task never outlives the timeout.
    assert settings.CELERY_VISIBILITY_TIMEOUT == 15 * 60
    assert settings.CELERY_TASK_TIME_LIMIT < settings.CELERY_VISIBILITY_TIMEOUT
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert "." in entry["task"]
