"""Fill the benchmark database: N customers (BENCH_CUSTOMERS, default 100,000) with 3 contacts and
20 business records each on average, the users, teams and grants of a national company.

Realistic variety, so that searches and access rules behave as in production: company names built
from a city, a trade name of two characters from a large pool, a line of business and a legal form
(a Chinese fragment matches a few rows, not all); regions, routes, industries and stages spread
unevenly; teams from 400 to 12,000 archives (one big branch), account managers with 20 to 400
customers; clerks and a department head in every team; contacts with Chinese names and mobiles.

Fast on purpose: rows are built as text and written with COPY on PostgreSQL (bulk_create elsewhere),
with explicit ids, no services and no history rows. Passwords: one hash from the production hasher,
reused for every user. Idempotent: a database that already holds customers keeps them (--fresh
rebuilds it).

Then the apps add their own rows in proportion to the customers: each app's `<app>/bench_data.py`
(found through INSTALLED_APPS, like bench_operations) has `generate(context)`, given an AppContext (the
users by role, the teams, the customers, the Table helper). A hook writes its rows only while its own
tables are empty, so running this script again on an existing database adds what a new app needs and
nothing twice.

    python bench/generate.py [--customers 100000] [--fresh]
"""

import argparse
import datetime as dt
import importlib
import io
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

PASSWORD = "Bench-pass-2026"
CONTACTS_PER_CUSTOMER = 3
CONTACT_COUNTS = (1, 2, 3, 3, 4, 5)  # mean CONTACTS_PER_CUSTOMER
RECORDS_PER_CUSTOMER = 20

CITIES = [("上海", "021"), ("北京", "010"), ("广州", "020"), ("深圳", "0755"), ("天津", "022"), ("重庆", "023"),
          ("杭州", "0571"), ("宁波", "0574"), ("苏州", "0512"), ("南京", "025"), ("青岛", "0532"), ("大连", "0411"),
          ("厦门", "0592"), ("武汉", "027"), ("成都", "028"), ("西安", "029"), ("郑州", "0371"), ("长沙", "0731"),
          ("沈阳", "024"), ("哈尔滨", "0451"), ("昆明", "0871"), ("南宁", "0771"), ("福州", "0591"), ("合肥", "0551"),
          ("济南", "0531"), ("石家庄", "0311"), ("太原", "0351"), ("南昌", "0791"), ("无锡", "0510"),
          ("东莞", "0769"), ("佛山", "0757"), ("烟台", "0535"), ("温州", "0577"), ("泉州", "0595")]
TRADE_CHARS = ("华鑫盛达恒通宏远泰安丰源隆兴瑞祥永嘉信和海天金宇中联东方新亿佳诚德利万众鸿运卓越嘉禾博大"
               "凯旋天成汇邦振华锦程明辉长江昌荣富康广厦欣荣正大星河云帆晨光益民联创开元长城百川")
BUSINESS = ["国际物流", "供应链管理", "电子科技", "机械制造", "化工", "纺织品", "食品", "医药", "汽车零部件",
            "进出口贸易", "家电", "建材", "钢铁", "农产品", "跨境电商", "包装材料", "五金制品", "服装", "塑料制品",
            "新能源", "光电", "精密仪器", "货运代理", "仓储", "冷链"]
LEGAL_FORMS = ["有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "实业有限公司", "贸易有限公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英文辉华建国志红玲斌波宁鹏飞婷雪琳晶欣怡浩然子涵宇轩"
TITLES = ["物流经理", "采购经理", "总经理", "副总经理", "财务主管", "业务员", "仓储主管", "报关员", "运营总监",
          "单证员"]
STREETS = ["人民路", "中山路", "解放路", "建设路", "滨江大道", "港城路", "工业园路", "科技路", "长江路", "黄河路"]
GOODS = ["电子产品", "服装", "机械设备", "化工原料", "食品", "家具", "汽车配件", "钢材", "日用品", "医疗器械"]
OWNERSHIPS = ["private", "state_owned", "joint_stock", "foreign_owned", "collective", ""]
SERVICE_TYPES = ["transport.sea", "transport.road", "transport.air", "transport.rail", "warehousing", "distribution",
                 "customs", "other"]
# (stage, weight): most archives are customers, a spread of the others.
STAGES = [("customer", 62), ("prospect", 14), ("lead", 12), ("lost", 7), ("discarded", 5)]


def ensure_database(*, fresh: bool) -> None:
    """Create the benchmark's database when it is missing (drop it first when `fresh`)."""
    from bench.settings import DATABASES

    db = DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            Path(db["NAME"]).unlink(missing_ok=True)
        return
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", user=db.get("USER") or None, password=db.get("PASSWORD") or None,
                            host=db.get("HOST") or None, port=db.get("PORT") or None)
    conn.autocommit = True
    with conn.cursor() as cursor:
        if fresh:
            cursor.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=int(os.environ.get("BENCH_CUSTOMERS", 100_000)))
    parser.add_argument("--fresh", action="store_true", help="Drop and recreate the benchmark database first.")
    args = parser.parse_args()

    ensure_database(fresh=args.fresh)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    generate(args.customers)
    generate_apps()
    return 0


# --- Writing rows ---------------------------------------------------------------------------------

def _text(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    text = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Table:
    """The columns of a model with their defaults; rows are dicts of attnames (ids included)."""

    def __init__(self, model):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]
        now = dt.datetime.now(dt.UTC)
        self.defaults = {}
        for f in self.fields:
            if f.has_default():
                value = f.get_default()
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            elif f.null:
                value = None
            else:
                value = ""
            self.defaults[f.attname] = value
        self.rows: list[dict] = []

    def add(self, **values) -> None:
        self.rows.append(values)

    def flush(self, connection) -> int:
        n = len(self.rows)
        if not n:
            return 0
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            attnames = [f.attname for f in self.fields]
            defaults = self.defaults
            for row in self.rows:
                buffer.write("\t".join(_text(row.get(a, defaults[a])) for a in attnames))
                buffer.write("\n")
            buffer.seek(0)
            columns = ", ".join(f'"{c}"' for c in self.columns)
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(f'COPY "{self.model._meta.db_table}" ({columns}) FROM STDIN', buffer)
        else:
            objs = [self.model(**{**self.defaults, **row}) for row in self.rows]
            self.model.objects.bulk_create(objs, batch_size=500)
        self.rows = []
        return n


class _IndexesDropped:
    """On PostgreSQL, the tables' secondary indexes (not those of keys and unique constraints) are
    dropped while the rows are copied in, then rebuilt at once: several times faster than keeping
    trigram GIN indexes up to date row by row."""

    def __init__(self, connection, tables: list[str]):
        self.connection, self.tables, self.definitions = connection, tables, []

    def __enter__(self):
        if self.connection.vendor != "postgresql":
            return self
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", [self.tables])
            self.definitions = cursor.fetchall()
            for name, _definition in self.definitions:
                cursor.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc_info):
        with self.connection.cursor() as cursor:
            for _name, definition in self.definitions:
                cursor.execute(definition)
        return False


def _reset_sequences(connection, models) -> None:
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def _next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


# --- The company ----------------------------------------------------------------------------------

def _team_weights(n_teams: int, rng: random.Random) -> list[float]:
    """One big branch (12 % of the archives), a few large ones, many small ones."""
    others = [rng.uniform(1.0, 6.0) for _ in range(n_teams - 1)]
    weights = [sum(others) * 0.12 / 0.88] + others
    total = sum(weights)
    return [w / total for w in weights]


def _company(n: int, rng: random.Random) -> dict:
    """Teams, users (with roles) and their customer shares; returns what the rows need."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from crm.models import Team, User

    password = make_password(PASSWORD)  # the production hasher, once
    groups = {g.name: g for g in Group.objects.all()}
    n_teams = max(3, min(40, n // 2500))
    weights = _team_weights(n_teams, rng)
    teams = []
    for t in range(n_teams):
        city = CITIES[t % len(CITIES)][0]
        kind = "department" if t % 5 == 4 else "branch"
        teams.append(Team.objects.create(name=f"{city}{'分公司' if kind == 'branch' else '客服部'}{t + 1:02d}",
                                         kind=kind))
    users, memberships, roles = [], [], []

    def user(username, role, first_name="", team=None, **extra):
        u = User(username=username, password=password, email=f"{username}@bench.example.com",
                 first_name=first_name, **extra)
        users.append((u, role, team))
        return u

    managers = []  # (user, team, weight)
    for t, team in enumerate(teams):
        share = weights[t] * n
        n_managers = max(2, round(share / 170))
        for m in range(n_managers):
            u = user(f"am{t:02d}_{m:03d}", "account_manager", rng.choice(SURNAMES) + rng.choice(GIVEN), team)
            managers.append((u, team, rng.uniform(0.2, 2.0) * weights[t] / n_managers))
        for c in range(2 + (1 if share > 3000 else 0) + (1 if share > 8000 else 0)):
            user(f"clerk{t:02d}_{c}", "clerk", rng.choice(SURNAMES) + rng.choice(GIVEN), team)
        head = user(f"head{t:02d}", "dept_head", rng.choice(SURNAMES) + rng.choice(GIVEN), team)
        team._head = head
    user("bench_gm", "gm", "总经理")
    user("bench_credit", "credit_officer", "信用主管")
    user("bench_integration", "integration", "货运系统")
    User.objects.bulk_create([u for u, _role, _team in users], batch_size=1000)
    by_name = dict(User.objects.filter(username__in=[u.username for u, _r, _t in users])
                   .values_list("username", "pk"))
    for u, role, team in users:
        u.pk = by_name[u.username]
        roles.append(User.groups.through(user_id=u.pk, group_id=groups[role].pk))
        if team is not None:
            memberships.append(Team.members.through(user_id=u.pk, team_id=team.pk))
    User.groups.through.objects.bulk_create(roles, batch_size=1000)
    Team.members.through.objects.bulk_create(memberships, batch_size=1000)
    for team in teams:
        team.head = team._head
        team.save(update_fields=["head"])
    total = sum(w for _u, _t, w in managers)
    return {"teams": teams, "managers": [(u, t) for u, t, _w in managers],
            "manager_weights": [w / total for _u, _t, w in managers], "users": [u for u, _r, _t in users]}


def _unique_names(n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """(name, city, area code): most names begin with their city, some with the trade name."""
    seen: set[str] = set()
    names = []
    while len(names) < n:
        city, area = rng.choice(CITIES)
        shown_city = city if rng.random() < 0.85 else ""
        trade = rng.choice(TRADE_CHARS) + rng.choice(TRADE_CHARS)
        if rng.random() < 0.3:
            trade += rng.choice(TRADE_CHARS)
        name = f"{shown_city}{trade}{rng.choice(BUSINESS)}{rng.choice(LEGAL_FORMS)}"
        if name not in seen:
            seen.add(name)
            names.append((name, city, area))
    return names


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"


def generate(n: int) -> None:
    from django.db import connection, transaction

    from customers.models import AccessGrant, BusinessRecord, Contact, Customer, Industry, Region, Route
    from customers.normalize import normalize_name, normalize_phone

    existing = Customer.objects.count()
    if existing:
        print(f"bench database: {existing:,} customers already, nothing to generate (--fresh rebuilds)")
        return
    started = time.monotonic()
    rng = random.Random(7)
    with transaction.atomic():
        company = _company(n, rng)
        regions = list(Region.objects.all())
        routes = {}
        for r in regions:
            routes[r.pk] = [Route.objects.get_or_create(region=r, name=f"{r.name}{k}号线",
                                                        defaults={"sequence": k})[0].pk for k in range(1, 7)]
        industries = [i.pk for i in Industry.objects.all()]
    from customers.models import CustomerNature

    natures = [x.pk for x in CustomerNature.objects.all()]
    region_weights = [30, 25, 18, 10, 8, 4, 5][:len(regions)] + [3] * max(0, len(regions) - 7)
    print(f"  company: {len(company['teams'])} teams, {len(company['users'])} users "
          f"({time.monotonic() - started:.1f} s)", flush=True)

    customers, contacts, records = Table(Customer), Table(Contact), Table(BusinessRecord)
    today = dt.date.today()
    now = dt.datetime.now(dt.UTC)
    names = _unique_names(n, rng)
    stages, stage_weights = zip(*STAGES, strict=True)
    managers, manager_weights = company["managers"], company["manager_weights"]
    owner_picks = rng.choices(range(len(managers)), weights=manager_weights, k=n)
    customer_id, contact_id, record_id = _next_id(Customer), _next_id(Contact), _next_id(BusinessRecord)
    first_customer = customer_id
    n_contacts = n_records = 0
    phones: set[str] = set()
    batch = 5000
    tables = [m._meta.db_table for m in (Customer, Contact, BusinessRecord)]
    with _IndexesDropped(connection, tables):
        for start in range(0, n, batch):
            with transaction.atomic():
                for i in range(start, min(start + batch, n)):
                    owner, team = managers[owner_picks[i]]
                    region = rng.choices(regions, weights=region_weights)[0]
                    name, city, area = names[i]
                    phone = f"{area}-{rng.randint(2, 8)}{rng.randint(0, 9_999_999):07d}"
                    while phone in phones:  # active archives never share a phone (migration 0006)
                        phone = f"{area}-{rng.randint(2, 8)}{rng.randint(0, 9_999_999):07d}"
                    phones.add(phone)
                    created = now - dt.timedelta(days=rng.randint(0, 2500), seconds=rng.randint(0, 86_400))
                    stage = rng.choices(stages, weights=stage_weights)[0]
                    customers.add(
                        id=customer_id, code=f"C{customer_id:07d}", name=name, name_normalized=normalize_name(name),
                        short_name=name[len(city):len(city) + 4] if name.startswith(city) else name[:4],
                        phone=phone, phone_normalized=normalize_phone(phone),
                        address=f"{city}市{rng.choice(STREETS)}{rng.randint(1, 999)}号",
                        owner_id=owner.pk, team_id=team.pk, region_id=region.pk,
                        route_id=rng.choice(routes[region.pk]) if rng.random() < 0.8 else None,
                        industry_id=rng.choice(industries) if rng.random() < 0.9 else None,
                        nature_id=rng.choice(natures) if rng.random() < 0.8 else None,
                        ownership=rng.choice(OWNERSHIPS),
                        stage=stage, is_active=rng.random() > 0.03,
                        is_checked=rng.random() > 0.08,
                        last_verified_on=today - dt.timedelta(days=rng.randint(0, 500)) if rng.random() < 0.9 else None,
                        location_type=rng.choice(["business_centre", "transport_hub", "residential", "other", ""]),
                        main_goods=rng.choice(GOODS), service_needs=[], created_at=created, updated_at=created,
                    )
                    for k in range(rng.choice(CONTACT_COUNTS)):
                        contacts.add(
                            id=contact_id, customer_id=customer_id,
                            name=rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6
                                                                             else ""),
                            title=rng.choice(TITLES),
                            phone=f"{area}-{rng.randint(2, 8)}{rng.randint(0, 9_999_999):07d}",
                            mobile=_mobile(rng), is_primary=k == 0,
                            birth_date=dt.date(rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28)),
                            created_at=created, updated_at=created)
                        contact_id += 1
                        n_contacts += 1
                    # Records: most customers a few, the big ones many (mean RECORDS_PER_CUSTOMER).
                    k_records = 0 if stage in ("lead", "prospect") else int(rng.expovariate(1 / (RECORDS_PER_CUSTOMER
                                                                                                 * 1.35)))
                    for _k in range(k_records):
                        date = today - dt.timedelta(days=rng.randint(0, 720))
                        amount = Decimal(rng.randint(500, 300_000))
                        paid = amount if rng.random() < 0.85 else Decimal("0")
                        records.add(
                            id=record_id, customer_id=customer_id, external_id=f"FR{record_id:09d}", date=date,
                            service_type=rng.choice(SERVICE_TYPES), goods=rng.choice(GOODS), amount=amount,
                            due_date=date + dt.timedelta(days=30), paid_amount=paid,
                            paid_date=date + dt.timedelta(days=rng.randint(5, 45)) if paid else None,
                            created_at=now, updated_at=now)
                        record_id += 1
                        n_records += 1
                    customer_id += 1
                customers.flush(connection)
                contacts.flush(connection)
                records.flush(connection)
            if (start // batch) % 4 == 3 or start + batch >= n:
                print(f"  {min(start + batch, n):,}/{n:,} customers ({time.monotonic() - started:.0f} s)", flush=True)

    print(f"  indexes rebuilt ({time.monotonic() - started:.0f} s)", flush=True)
    # A few grants, so that the grant branch of the access rule is exercised.
    grants = Table(AccessGrant)
    grant_id = _next_id(AccessGrant)
    for u in rng.sample(company["users"][:-3], min(60, len(company["users"]) - 3)):
        for _ in range(3):
            grant_id += 1
            grants.add(id=grant_id, customer_id=rng.randint(first_customer, customer_id - 1), user_id=u.pk,
                       expires_at=now + dt.timedelta(days=rng.randint(-10, 30)), created_at=now, updated_at=now)
    with transaction.atomic():
        grants.flush(connection)
    _reset_sequences(connection, [Customer, Contact, BusinessRecord, AccessGrant])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE") if connection.connection.autocommit else cursor.execute("ANALYZE")
    print(f"bench database: {n:,} customers, {n_contacts:,} contacts, {n_records:,} business records "
          f"in {time.monotonic() - started:.0f} s")


# --- The apps' rows -------------------------------------------------------------------------------

class AppContext:
    """What an app's bench_data hook needs to add its rows: the database connection, a seeded random
    generator, now and today, the users by role and the teams (read from the database, so that a hook
    works on a database generated earlier), the customers as light tuples, and the writing helpers."""

    Table = Table

    def __init__(self, connection, *, seed: int = 11):
        from django.utils import timezone

        self.connection = connection
        self.rng = random.Random(seed)
        self.now = dt.datetime.now(dt.UTC)
        self.today = timezone.localdate()
        self._customers = None
        self._load_company()

    def _load_company(self) -> None:
        from crm.models import Team, User

        self.by_role: dict[str, list[int]] = {}
        for pk, role in User.objects.filter(is_active=True, groups__isnull=False).values_list(
                "pk", "groups__name").order_by("pk"):
            self.by_role.setdefault(role, []).append(pk)
        roles_of: dict[int, set[str]] = {}
        for role, pks in self.by_role.items():
            for pk in pks:
                roles_of.setdefault(pk, set()).add(role)
        self.teams: dict[int, dict] = {t.pk: {"head": t.head_id, "kind": t.kind, "clerks": [], "managers": []}
                                       for t in Team.objects.order_by("pk")}
        for team_id, user_id in Team.members.through.objects.values_list("team_id", "user_id").order_by("pk"):
            roles = roles_of.get(user_id, set())
            if "clerk" in roles:
                self.teams[team_id]["clerks"].append(user_id)
            if "account_manager" in roles:
                self.teams[team_id]["managers"].append(user_id)
        gm = User.objects.filter(username="bench_gm").values_list("pk", flat=True).first()
        self.gm = gm or (self.by_role.get("gm") or [None])[0]
        officer = User.objects.filter(username="bench_credit").values_list("pk", flat=True).first()
        self.credit_officer = officer or (self.by_role.get("credit_officer") or [None])[0]

    def users(self, role: str) -> list[int]:
        return self.by_role.get(role, [])

    @property
    def customers(self) -> list[tuple]:
        """(id, owner_id, team_id, stage, is_active, created_at) of every customer, by id."""
        if self._customers is None:
            from customers.models import Customer

            self._customers = list(Customer.objects.order_by("pk").values_list(
                "pk", "owner_id", "team_id", "stage", "is_active", "created_at"))
        return self._customers

    def next_id(self, model) -> int:
        return _next_id(model)

    def empty(self, *models) -> bool:
        return not any(model.objects.exists() for model in models)

    def write(self, *tables: Table) -> int:
        """Copy the tables' rows in (one transaction), then reset their sequences."""
        from django.db import transaction

        with transaction.atomic():
            n = sum(table.flush(self.connection) for table in tables)
        _reset_sequences(self.connection, [table.model for table in tables])
        return n

    def update_in(self, model, ids, **values) -> None:
        """`UPDATE ... SET values WHERE pk IN ids`, in chunks (no signals, no history)."""
        ids = list(ids)
        for start in range(0, len(ids), 900):
            model.objects.filter(pk__in=ids[start:start + 900]).update(**values)


def _discover_data_hooks():
    from django.apps import apps

    hooks = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.bench_data")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.bench_data":
                raise
            continue
        hooks.append((config.label, module.generate))
    return hooks


def generate_apps() -> None:
    """Each app's bench_data hook, in INSTALLED_APPS order; each adds its rows only to empty tables."""
    from django.db import connection

    from customers.models import Customer

    if not Customer.objects.exists():
        return
    context = AppContext(connection)
    touched = False
    for label, hook in _discover_data_hooks():
        started = time.monotonic()
        summary = hook(context)
        if summary:
            touched = True
            print(f"  {label}: {summary} ({time.monotonic() - started:.0f} s)", flush=True)
    if touched and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE") if connection.connection.autocommit else cursor.execute("ANALYZE")
    print("bench apps: " + ("rows added" if touched else "every app's rows there already, nothing added"))


if __name__ == "__main__":
    sys.exit(main())
