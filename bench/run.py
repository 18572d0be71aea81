"""Time the operations of bench/operations.py on the benchmark database (fill it with bench/generate.py).

Every request goes through Django's WSGI application (the one gunicorn serves) with the benchmark's
production-like settings, as a real user of each role: session cookies for the staff, the API token
for the integration account. Each operation: one warm-up run, then --runs timed runs (p50, p95), and
one more run counting its SQL queries. Then the customer import (rows/s, rolled back) and the bulk
update of business records through the API (records/s).

Results: bench/results.json ({"scale", "operations", "import_rows_per_s", "bulk_update_records_per_s"})
and a table with each operation's target beside it.

    python bench/run.py [--runs 20] [--only 'WORD|OTHER WORD']
"""

import argparse
import datetime as dt
import importlib
import io
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

RESULTS = ROOT / "bench" / "results.json"
PASSWORD = "Bench-pass-2026"
IMPORT_ROWS = 2000
BULK_SIZE = 5000
IMPORT_TARGET = 2000
BULK_TARGET = 5000


class Persona:
    """A logged-in user calling the WSGI application."""

    def __init__(self, app, user, *, token: str = ""):
        from django.conf import settings
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore

        self.app, self.user, self.token = app, user, token
        self.cookie = ""
        if user is not None and not token:
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.save()
            self.cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    def request(self, method: str, path: str, params: dict | None = None, body: bytes = b"",
                content_type: str = "") -> tuple[int, bytes]:
        from wsgiref.util import setup_testing_defaults

        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": urlencode(params or {}),
                   "SERVER_NAME": "bench.local", "SERVER_PORT": "80", "HTTP_HOST": "bench.local",
                   "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
                   "HTTP_ACCEPT_LANGUAGE": "zh-hans"}
        if content_type:
            environ["CONTENT_TYPE"] = content_type
        if self.cookie:
            environ["HTTP_COOKIE"] = self.cookie
        if self.token:
            environ["HTTP_AUTHORIZATION"] = f"Token {self.token}"
        setup_testing_defaults(environ)
        status = []
        chunks = self.app(environ, lambda s, headers, exc_info=None: status.append(s))
        try:
            content = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return int(status[0].split()[0]), content


def _operation_modules():
    from django.apps import apps

    modules = []
    for config in apps.get_app_configs():
        try:
            modules.append(importlib.import_module(f"{config.name}.bench_operations"))
        except ModuleNotFoundError:
            continue
    return modules


def _discover_operations():
    from bench.operations import OPERATIONS

    operations = list(OPERATIONS)
    for module in _operation_modules():
        operations += list(getattr(module, "OPERATIONS", []))
    return operations


def _personas(app) -> tuple[dict, dict]:
    """The users of each role (the clerk and head of the biggest team, the busiest manager) and the
    search terms taken from the data they see."""
    from django.contrib.auth import authenticate
    from django.db.models import Count

    from crm.models import Team, User
    from customers.models import Contact, Customer

    big_team = Team.objects.annotate(n=Count("customers")).order_by("-n").first()
    second_team = Team.objects.annotate(n=Count("customers")).order_by("-n")[1:2].get()
    manager = User.objects.filter(groups__name="account_manager", teams=big_team).annotate(
        n=Count("owned_customers")).order_by("-n").first()
    users = {
        "gm": User.objects.get(username="bench_gm"),
        "clerk": User.objects.filter(groups__name="clerk", teams=big_team).order_by("pk").first(),
        "head": second_team.head,
        "manager": manager,
        "credit": User.objects.get(username="bench_credit"),
        "integration": User.objects.get(username="bench_integration"),
    }
    # The stored hash is one the production hashers accept (checked once, as a login would).
    if authenticate(username=users["gm"].username, password=PASSWORD) is None:
        raise SystemExit("The benchmark users' password hash is not accepted by these settings.")
    status, content = Persona(app, None).request(
        "POST", "/api/v1/auth/token/", body=json.dumps({"username": "bench_integration", "password": PASSWORD})
        .encode(), content_type="application/json")
    if status != 200:
        raise SystemExit(f"token: HTTP {status} {content[:200]!r}")
    # An app's bench_operations may name more users (`personas()`: {name: user}) and terms (`terms()`).
    for module in _operation_modules():
        users.update({k: v for k, v in getattr(module, "personas", dict)().items() if v is not None})
    personas = {name: Persona(app, user) for name, user in users.items() if name != "integration"}
    personas["integration"] = Persona(app, users["integration"], token=json.loads(content)["token"])

    # An archive of the big team's busiest manager: the manager and the team's clerk read it.
    customer = Customer.objects.filter(owner=manager, team=big_team, is_active=True).order_by("pk").first()
    contact = Contact.objects.filter(customer__team=big_team).order_by("pk")[10]
    terms = {
        "customer": customer.pk,
        # A trade name of two characters: it matches some hundred archives, not all.
        "fragment": Customer.objects.filter(team=big_team).order_by("pk")[5].name_normalized[2:4],
        "contact": contact.name,
        "mobile": contact.mobile[:7],
        "phone": customer.phone[:8],
    }
    for module in _operation_modules():
        terms.update(getattr(module, "terms", dict)())
    return personas, terms


def _fill(value, terms: dict):
    if isinstance(value, str):
        for key, term in terms.items():
            value = value.replace("{" + key + "}", str(term))
    return value


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def time_operation(persona, op, terms: dict, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    path = _fill(op.path, terms)
    params = {k: _fill(v, terms) for k, v in op.params.items()}
    status, content = persona.request("GET", path, params)  # warm-up
    if status != 200:
        return {"error": f"HTTP {status}", "target_ms": op.target_ms}
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        persona.request("GET", path, params)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        persona.request("GET", path, params)
    return {"p50_ms": round(statistics.median(timings), 1), "p95_ms": round(_percentile(timings, 0.95), 1),
            "queries": len(queries), "runs": runs, "target_ms": op.target_ms, "bytes": len(content)}


def time_import(user) -> float:
    """Rows per second of a customer import of IMPORT_ROWS new archives (validated, written, then
    rolled back so that the benchmark database stays as generated)."""
    import tablib
    from django.db import transaction

    from customers.imports.importers import customers_import

    region_stamp = int(time.time()) % 100_000
    dataset = tablib.Dataset(headers=["收发货单位全称", "简称", "电话", "地址", "区域", "所属行业", "阶段",
                                      "客户经理(用户名)"])
    for i in range(IMPORT_ROWS):
        dataset.append([f"导入测试{region_stamp:05d}{i:05d}号物流有限公司", f"导入{i:05d}", f"0571-9{i:07d}",
                        f"杭州市测试路{i}号", "华东", "电子产品", "customer", user.username])

    class Rollback(Exception):
        pass

    started = time.perf_counter()
    try:
        with transaction.atomic():
            result = customers_import(user=user, dataset=dataset, dry_run=False)
            elapsed = time.perf_counter() - started
            if not result.ok or result.created != IMPORT_ROWS:
                raise SystemExit(f"import failed: created={result.created} errors={result.errors[:3]}")
            raise Rollback
    except Rollback:
        pass
    return IMPORT_ROWS / elapsed


def time_bulk_update(persona, runs: int = 3) -> float:
    """Records per second of the bulk upsert API updating BULK_SIZE existing records."""
    from customers.models import BusinessRecord

    rows = list(BusinessRecord.objects.order_by("pk").values(
        "external_id", "customer__code", "date", "service_type", "amount", "due_date", "paid_date")[:BULK_SIZE])
    rates = []
    for round_ in range(runs + 1):
        body = [{"customer_code": r["customer__code"], "external_id": r["external_id"],
                 "date": r["date"].isoformat(), "service_type": r["service_type"],
                 "amount": str(r["amount"] + Decimal(round_ % 2)), "due_date": r["due_date"].isoformat(),
                 "paid_amount": "0", "paid_date": None} for r in rows]
        started = time.perf_counter()
        status, content = persona.request("POST", "/api/v1/business-records/bulk/", body=json.dumps(body).encode(),
                                          content_type="application/json")
        elapsed = time.perf_counter() - started
        if status not in (200, 201):
            raise SystemExit(f"bulk: HTTP {status} {content[:300]!r}")
        if round_:  # the first is a warm-up
            rates.append(BULK_SIZE / elapsed)
    return statistics.median(rates)


def scale() -> dict:
    from django.apps import apps

    counts = {}
    for label in ("customers.Customer", "customers.Contact", "customers.BusinessRecord", "crm.User", "crm.Team",
                  "customers.AccessGrant"):
        model = apps.get_model(label)
        counts[model._meta.verbose_name_plural.replace(" ", "_").lower()] = model.objects.count()
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", default="", help="Only operations whose name contains this (or one of the "
                                                   "parts separated by |).")
    parser.add_argument("--writes-only", action="store_true", help="Only the import and the bulk update.")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args()

    import warnings

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic for a benchmark
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    from django.conf import settings
    from django.utils import translation

    from customers.models import Customer

    if not Customer.objects.exists():
        print("The benchmark database is empty: run `python bench/generate.py` (or `make bench`) first.")
        return 1
    personas, terms = _personas(app)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    counts = scale()
    print(f"Benchmark on {engine}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    print(f"{args.runs} runs per operation after a warm-up; terms: {terms}\n")
    header = f"{'operation':<48} {'p50 ms':>8} {'p95 ms':>8} {'target':>7} {'queries':>7}"
    print(header + "\n" + "-" * len(header))
    operations = {}
    for op in _discover_operations():
        if (args.only and not any(part in op.name for part in args.only.split("|"))) or args.writes_only:
            continue
        if op.as_ not in personas:
            operations[op.name] = {"error": f"no {op.as_} user", "target_ms": op.target_ms}
            print(f"{op.name:<48} no {op.as_} user in this database", flush=True)
            continue
        row = time_operation(personas[op.as_], op, terms, args.runs)
        operations[op.name] = row
        translation.activate("en")
        if "error" in row:
            print(f"{op.name:<48} {row['error']}", flush=True)
            continue
        miss = "  ABOVE TARGET" if row["p95_ms"] > op.target_ms else ""
        print(f"{op.name:<48} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {op.target_ms:>7} {row['queries']:>7}{miss}",
              flush=True)
    result = {"scale": counts, "database": engine, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "terms": {k: str(v) for k, v in terms.items()}, "operations": operations}
    if not args.only:
        rate = time_import(personas["clerk"].user)
        result["import_rows_per_s"] = round(rate)
        print(f"\n{'customer import (' + format(IMPORT_ROWS, ',') + ' rows), rows/s':<48} {rate:>8.0f} "
              f"{'':>8} {'≥' + str(IMPORT_TARGET):>7}{'  BELOW TARGET' if rate < IMPORT_TARGET else ''}", flush=True)
        rate = time_bulk_update(personas["integration"])
        result["bulk_update_records_per_s"] = round(rate)
        print(f"{'bulk update (' + format(BULK_SIZE, ',') + ' records), records/s':<48} {rate:>8.0f} "
              f"{'':>8} {'≥' + str(BULK_TARGET):>7}{'  BELOW TARGET' if rate < BULK_TARGET else ''}", flush=True)
    Path(args.output).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
