"""Fill the benchmark database: N customers (default 20,000) with contacts and business records.

Fast on purpose: rows are built in memory and written with bulk_create (no per-archive services,
no history rows): the point is a realistic volume for bench/run.py, not realistic provenance.
Idempotent: a database that already holds N or more customers is left as it is (--fresh rebuilds).

    python bench/generate.py --customers 20000
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

TEAMS = 10
MANAGERS_PER_TEAM = 5
CONTACTS_PER_CUSTOMER = 2
RECORDS_PER_CUSTOMER = 5


def ensure_database() -> None:
    """Create the PostgreSQL database of the benchmark when it is missing."""
    from bench.settings import DATABASES

    db = DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", user=db.get("USER") or None, password=db.get("PASSWORD") or None,
                            host=db.get("HOST") or None, port=db.get("PORT") or None)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--fresh", action="store_true", help="Delete the benchmark's customers first.")
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    generate(args.customers, fresh=args.fresh)
    return 0


def generate(n: int, *, fresh: bool) -> None:
    from django.contrib.auth.models import Group
    from django.db import transaction

    from crm.models import Team, User
    from customers.models import BusinessRecord, Contact, Customer, Industry, Region, Route

    if fresh:
        BusinessRecord.objects.all().delete()
        Customer.objects.all().delete()
    existing = Customer.objects.count()
    if existing >= n:
        print(f"bench database: {existing} customers already, nothing to generate")
        return
    started = time.monotonic()
    rng = random.Random(7)
    groups = {g.name: g for g in Group.objects.all()}

    def user(username, role, team=None):
        u, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
        if created:
            u.set_password("Bench-pass-2026")
            u.save()
            u.groups.add(groups[role])
        if team:
            team.members.add(u)
        return u

    with transaction.atomic():
        teams = [Team.objects.get_or_create(name=f"Bench team {t}", defaults={"kind": "branch"})[0]
                 for t in range(TEAMS)]
        managers = [(user(f"bench_am{t}_{m}", "account_manager", teams[t]), teams[t])
                    for t in range(TEAMS) for m in range(MANAGERS_PER_TEAM)]
        user("bench_clerk", "clerk", teams[0])
        user("bench_integration", "integration")
        user("bench_gm", "gm")
        regions = list(Region.objects.all())
        routes = {r.pk: [Route.objects.get_or_create(region=r, name=f"{r.name}-{k}线", defaults={"sequence": k})[0]
                         for k in (1, 2, 3)] for r in regions}
        industries = list(Industry.objects.all())

    today = dt.date.today()
    batch = 2000
    for start in range(existing, n, batch):
        stop = min(start + batch, n)
        customers = []
        for i in range(start, stop):
            owner, team = managers[i % len(managers)]
            region = regions[i % len(regions)]
            name = f"基准测试{i:06d}号国际物流有限公司"
            customers.append(Customer(
                code=f"B{i:07d}", name=name, name_normalized=name, short_name=f"基准{i:06d}",
                phone=f"021-6{i:07d}", phone_normalized=f"0216{i:07d}", address=f"上海市浦东新区测试路{i}号",
                owner=owner, team=team, region=region, route=rng.choice(routes[region.pk]),
                industry=rng.choice(industries), ownership=rng.choice(["private", "state_owned", "joint_stock"]),
                stage=rng.choice(["customer"] * 7 + ["lead", "prospect", "lost"]),
                last_verified_on=today - dt.timedelta(days=rng.randint(0, 500)), main_goods="电子产品",
            ))
        with transaction.atomic():
            Customer.objects.bulk_create(customers, batch_size=500)
            customers = list(Customer.objects.filter(code__in=[c.code for c in customers]).only("id", "code"))
            Contact.objects.bulk_create([
                Contact(customer=c, name=f"联系人{k}", title="物流经理", phone="021-12345678",
                        mobile=f"139{c.pk:08d}", birth_date=dt.date(1980, 1, 1 + k), is_primary=k == 0)
                for c in customers for k in range(CONTACTS_PER_CUSTOMER)
            ], batch_size=1000)
            records = []
            for c in customers:
                for k in range(RECORDS_PER_CUSTOMER):
                    date = today - dt.timedelta(days=rng.randint(0, 540))
                    amount = Decimal(rng.randint(1_000, 500_000))
                    paid = amount if rng.random() < 0.8 else Decimal("0")
                    records.append(BusinessRecord(
                        customer=c, external_id=f"BENCH-{c.code}-{k}", date=date, service_type="transport.sea",
                        amount=amount, due_date=date + dt.timedelta(days=30), paid_amount=paid,
                        paid_date=date + dt.timedelta(days=20) if paid else None))
            BusinessRecord.objects.bulk_create(records, batch_size=1000)
        print(f"  {stop}/{n} customers", flush=True)
    print(f"bench database: {n - existing} customers, {(n - existing) * CONTACTS_PER_CUSTOMER} contacts, "
          f"{(n - existing) * RECORDS_PER_CUSTOMER} business records in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
