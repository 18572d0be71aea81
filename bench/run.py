"""Time the main doors on the benchmark database (fill it first with bench/generate.py).

For each case: the median wall time over a few runs (after one warm-up run) and the number of SQL
queries of one run, measured in-process with Django's test client (no network, no browser).
A door that does not exist (yet) is reported as "not available", never as a failure.
Results go to bench/out/results-<timestamp>.json and bench/out/latest.md.

    python bench/run.py [--repeat 5]
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

BULK_SIZE = 5000


class NotAvailable(Exception):
    pass


def consume(response) -> int:
    """Read the whole body (streaming exports too); returns its size in bytes."""
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def measure(label: str, who: str, call, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    row = {"case": label, "as": who}
    try:
        call()  # warm-up: caches, compiled templates, first-query costs
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                size, detail = call()
            timings.append(time.perf_counter() - started)
        row.update(ms=round(statistics.median(timings) * 1000, 1), queries=len(queries), bytes=size, detail=detail)
    except NotAvailable as reason:
        row.update(ms=None, queries=None, bytes=None, detail=f"not available ({reason})")
    except Exception as error:  # a benchmark reports; it does not stop at the first broken door
        row.update(ms=None, queries=None, bytes=None, detail=f"error: {type(error).__name__}: {error}"[:200])
    return row


def get(client, url: str, **params):
    def call():
        response = client.get(url, params)
        if response.status_code in (404, 405):
            raise NotAvailable(f"HTTP {response.status_code} at {url}")
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code} at {url}")
        size = consume(response)
        count = response.json().get("count") if response.get("Content-Type", "").startswith("application/json") else ""
        return size, f"count={count}" if count != "" else f"{size:,} bytes"
    return call


def url_or_none(name: str) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name)
    except NoReverseMatch:
        raise NotAvailable(f"no URL named {name}")


def page(client, url_name: str, **params):
    def call():
        return get(client, url_or_none(url_name), **params)()
    return call


def bulk_upsert(client):
    """5,000 business records to the bulk endpoint: the first call creates, later calls update."""
    from customers.models import Customer

    codes = list(Customer.objects.order_by("pk").values_list("code", flat=True)[:1000])
    if not codes:
        raise RuntimeError("empty database: run bench/generate.py first")
    today = dt.date.today()
    state = {"round": 0}

    def call():
        state["round"] += 1
        body = [{
            "customer_code": codes[i % len(codes)], "external_id": f"BULK-{i:05d}",
            "date": (today - dt.timedelta(days=i % 300)).isoformat(), "service_type": "transport.road",
            "amount": str(Decimal(1000 + i) + state["round"]), "due_date": (today + dt.timedelta(days=30)).isoformat(),
            "paid_amount": "0", "paid_date": None,
        } for i in range(BULK_SIZE)]
        response = client.post("/api/v1/business-records/bulk/", data=json.dumps(body),
                               content_type="application/json")
        if response.status_code in (404, 405):
            raise NotAvailable(f"HTTP {response.status_code} at /api/v1/business-records/bulk/")
        if response.status_code not in (200, 201):
            raise RuntimeError(f"HTTP {response.status_code}: {response.content[:150]!r}")
        data = response.json()
        return len(response.content), f"created={data.get('created')} updated={data.get('updated')}"
    return call


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic for a benchmark
    django.setup()
    from django.conf import settings
    from django.test import Client

    from crm.models import User
    from customers.models import Customer

    total = Customer.objects.count()
    if not total:
        print("The benchmark database is empty: run `python bench/generate.py` (or `make bench`) first.")
        return 1

    def client_for(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    clerk, manager, integration = client_for("bench_clerk"), client_for("bench_am0_0"), client_for("bench_integration")
    cases = [
        ("customer list page", "clerk (team of 2,000)", page(clerk, "customers:list"), args.repeat),
        ("customer list page", "account manager (400)", page(manager, "customers:list"), args.repeat),
        ("customer list page, search", "clerk", page(clerk, "customers:list", q="基准测试0012"), args.repeat),
        ("customer list page, page 30", "clerk", page(clerk, "customers:list", page=30), args.repeat),
        ("API customer list (50)", "clerk", get(clerk, "/api/v1/customers/", page_size=50), args.repeat),
        ("API customer list (200)", "account manager", get(manager, "/api/v1/customers/", page_size=200),
         args.repeat),
        ("CSV export", "clerk (2,000 rows)", page(clerk, "customers:export", format="csv"), args.repeat),
        (f"bulk upsert {BULK_SIZE:,} records", "integration", bulk_upsert(integration), max(2, args.repeat // 2)),
    ]
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"Benchmark on {engine} with {total:,} customers; median of {args.repeat} runs after a warm-up\n")
    rows = []
    for label, who, call, repeat in cases:
        row = measure(label, who, call, repeat)
        rows.append(row)
        ms = f"{row['ms']:>9.1f}" if row["ms"] is not None else f"{'-':>9}"
        queries = f"{row['queries']:>7}" if row["queries"] is not None else f"{'-':>7}"
        print(f"{label:<34} {who:<26} {ms} ms {queries} queries  {row['detail']}", flush=True)

    OUT.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    result = {"at": stamp, "database": engine, "customers": total, "repeat": args.repeat, "rows": rows}
    (OUT / f"results-{stamp}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = [f"Benchmark {stamp} on {engine}, {total:,} customers", "",
             "| case | as | ms (median) | queries | detail |", "|---|---|---:|---:|---|"]
    lines += [f"| {r['case']} | {r['as']} | {r['ms'] if r['ms'] is not None else '-'} | "
              f"{r['queries'] if r['queries'] is not None else '-'} | {r['detail']} |" for r in rows]
    (OUT / "latest.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwritten to {OUT / f'results-{stamp}.json'} and {OUT / 'latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
