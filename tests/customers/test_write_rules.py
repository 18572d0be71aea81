"""One write rule, every door, one answer (issue 6): the same attempt is made through the page, the API,
the admin and the import, and each door must refuse it naming the same field (or accept it), because each
door hands it to the same service (customers.services) and the rule lives in customers.policies.

The people: bob, clerk of the East branch; alice, account manager of the East branch; charlie, account
manager of the West branch; credo, a credit officer (reads every archive, files none); fay, clerk of the
North branch only, filing for gus, an account manager of the South and North branches (so the new archive
lands in the South branch, whose financials fay may not see).
"""

import csv
import io
from dataclasses import dataclass

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from crm.exceptions import PermissionDeniedError
from customers.imports.importers import read_dataset, run_import
from customers.models import Customer, OwnerChange, Region, Route
from tests.customers.test_admin import _form_data
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_NAME = "镇江长江国际物流有限公司"
DOORS = ("page", "api", "admin", "import")

# The import's column headers (Chinese, as the template file has them), by field.
IMPORT_HEADERS = {"name": "收发货单位全称", "stage": "阶段", "owner": "客户经理(用户名)", "region": "区域",
                  "route": "路序", "registered_capital": "注册资本", "code": "客户编码"}
FIELD_OF_HEADER = {header: field for field, header in IMPORT_HEADERS.items()}


@dataclass
class Outcome:
    saved: bool
    field: str | None  # the field the refusal names (None: refused as a whole, or accepted)


@dataclass
class Attempt:
    actor: str
    owner: str | None = None  # a username
    region: str | None = None
    route: str | None = None  # the name of a route
    financial: str | None = None  # a registered capital


@pytest.fixture
def people(db, alice, bob, charlie, credit_officer, east_team):
    south, north = TeamFactory(name="South branch"), TeamFactory(name="North branch")
    fay = UserFactory(username="fay", roles=["clerk"], teams=[north])
    gus = UserFactory(username="gus", roles=["account_manager"], teams=[south, north])
    users = {user.username: user for user in (alice, bob, charlie, credit_officer, fay, gus)}
    for user in users.values():  # the admin door is open to staff users only
        user.is_staff = True
        user.save()
    return users


@pytest.fixture
def routes(db):
    east, south = Region.objects.get(name="华东"), Region.objects.get(name="华南")
    return {"东一线": Route.objects.create(region=east, name="东一线", sequence=1),
            "南一线": Route.objects.create(region=south, name="南一线", sequence=1)}


def _csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _values(attempt: Attempt, people, routes) -> dict:
    """The attempt as model values: owner (User), region, route (objects), registered_capital."""
    values = {}
    if attempt.owner:
        values["owner"] = people[attempt.owner]
    if attempt.region:
        values["region"] = Region.objects.get(name=attempt.region)
    if attempt.route:
        values["route"] = routes[attempt.route]
    if attempt.financial:
        values["registered_capital"] = attempt.financial
    return values


def _form_field(errors: dict) -> str | None:
    fields = [name for name in errors if name != "__all__"]
    return fields[0] if fields else None


# --- Filing a new archive, through each door ------------------------------------------------------

def file_through(door: str, attempt: Attempt, people, routes, client) -> Outcome:
    user = people[attempt.actor]
    values = _values(attempt, people, routes)
    if door == "page":
        client.force_login(user)
        # The owner's select starts on oneself, as the browser posts it.
        data = {"name": NEW_NAME, "stage": "customer", "source": "staff_visit", "has_trade_rights": "unknown",
                "owner": user.pk}
        data.update({name: getattr(value, "pk", value) for name, value in values.items()})
        response = client.post(reverse("customers:create"), data)
        if response.status_code != 200:
            return Outcome(saved=response.status_code == 302, field=None)
        return Outcome(saved=False, field=_form_field(response.context["form"].errors))
    if door == "api":
        api = APIClient()
        api.force_authenticate(user)
        body = {"name": NEW_NAME, "stage": "customer"}
        body.update({name: value.name if isinstance(value, Region) else getattr(value, "pk", value)
                     for name, value in values.items()})
        response = api.post("/api/v1/customers/", body, format="json")
        if response.status_code == 201:
            return Outcome(saved=True, field=None)
        fields = [name for name in response.json() if name not in ("detail", "errors", "type", "code")]
        return Outcome(saved=False, field=fields[0] if fields else None)
    if door == "admin":
        client.force_login(user)
        page = client.get(reverse("admin:customers_customer_add"))
        if page.status_code != 200:
            return Outcome(saved=False, field=None)
        data = _form_data(page)
        data.update(name=NEW_NAME, stage="customer", source="staff_visit")
        data.update({name: getattr(value, "pk", value) for name, value in values.items()})
        response = client.post(reverse("admin:customers_customer_add"), data)
        if response.status_code == 302:
            return Outcome(saved=True, field=None)
        if response.status_code != 200:
            return Outcome(saved=False, field=None)
        return Outcome(saved=False, field=_form_field(response.context["adminform"].form.errors))
    assert door == "import"
    headers, row = [IMPORT_HEADERS["name"], IMPORT_HEADERS["stage"]], [NEW_NAME, "交易客户"]
    cells = {"owner": attempt.owner, "region": attempt.region, "route": attempt.route,
             "registered_capital": attempt.financial}
    for name, value in cells.items():
        if value:
            headers.append(IMPORT_HEADERS[name])
            row.append(value)
    dataset = read_dataset(content=_csv([headers, row]), filename="archives.csv")
    try:
        result = run_import(kind="customers", user=user, dataset=dataset, dry_run=False)
    except PermissionDeniedError:
        return Outcome(saved=False, field=None)
    if result.errors:
        return Outcome(saved=False, field=FIELD_OF_HEADER.get(result.errors[0]["column"]))
    return Outcome(saved=result.written, field=None)


FILING_RULES = {
    # rule: (attempt, expected outcome)
    "a credit officer files no archive": (Attempt("credo"), Outcome(saved=False, field=None)),
    "a clerk files for an owner of her team": (Attempt("bob", owner="alice"), Outcome(saved=True, field=None)),
    "a clerk files for no owner outside her teams": (Attempt("bob", owner="charlie"),
                                                     Outcome(saved=False, field="owner")),
    "a route must be of the archive's territory": (Attempt("bob", region="华东", route="南一线"),
                                                   Outcome(saved=False, field="route")),
    "a route of the territory is accepted": (Attempt("bob", region="华东", route="东一线"),
                                             Outcome(saved=True, field=None)),
    "no financials written by who may not see them": (Attempt("fay", owner="gus", financial="1000000"),
                                                      Outcome(saved=False, field="registered_capital")),
    "financials written by the owner's team clerk": (Attempt("bob", owner="alice", financial="1000000"),
                                                     Outcome(saved=True, field=None)),
}


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("rule", list(FILING_RULES))
def test_filing_rule_is_the_same_through_every_door(door, rule, people, routes, client):
    attempt, expected = FILING_RULES[rule]
    outcome = file_through(door, attempt, people, routes, client)
    assert outcome == expected
    filed = Customer.objects.filter(name=NEW_NAME)
    assert filed.count() == (1 if expected.saved else 0)
    if expected.saved:
        customer = filed.get()
        assert customer.owner == people[attempt.owner or attempt.actor]
        assert customer.created_by == people[attempt.actor]
        assert OwnerChange.objects.filter(customer=customer, from_user=None).count() == 1
        if attempt.route:
            assert customer.route == routes[attempt.route]
        if attempt.financial:
            assert customer.registered_capital == int(attempt.financial)


# --- Editing an archive: the route of another territory ----------------------------------------------

def edit_route_through(door: str, user, customer: Customer, route: Route, client) -> Outcome:
    if door == "page":
        client.force_login(user)
        form = client.get(reverse("customers:edit", args=[customer.pk])).context["form"]
        data = {name: value for name, value in form.initial.items() if value not in (None, "")}
        data.update({name: getattr(value, "pk", value) for name, value in data.items()})
        data["has_trade_rights"] = data.get("has_trade_rights") or "unknown"
        data["route"] = route.pk
        response = client.post(reverse("customers:edit", args=[customer.pk]), data)
        if response.status_code != 200:
            return Outcome(saved=response.status_code == 302, field=None)
        return Outcome(saved=False, field=_form_field(response.context["form"].errors))
    if door == "api":
        api = APIClient()
        api.force_authenticate(user)
        response = api.patch(f"/api/v1/customers/{customer.pk}/", {"route": route.pk}, format="json")
        if response.status_code == 200:
            return Outcome(saved=True, field=None)
        fields = [name for name in response.json() if name not in ("detail", "errors", "type", "code")]
        return Outcome(saved=False, field=fields[0] if fields else None)
    if door == "admin":
        client.force_login(user)
        url = reverse("admin:customers_customer_change", args=[customer.pk])
        data = _form_data(client.get(url))
        data["route"] = route.pk
        response = client.post(url, data)
        if response.status_code == 302:
            return Outcome(saved=True, field=None)
        return Outcome(saved=False, field=_form_field(response.context["adminform"].form.errors))
    assert door == "import"
    rows = [[IMPORT_HEADERS["code"], IMPORT_HEADERS["route"]], [customer.code, route.name]]
    result = run_import(kind="customers", user=user, dataset=read_dataset(content=_csv(rows), filename="a.csv"),
                        dry_run=False)
    if result.errors:
        return Outcome(saved=False, field=FIELD_OF_HEADER.get(result.errors[0]["column"]))
    return Outcome(saved=result.written, field=None)


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("route_name, expected", [
    ("南一线", Outcome(saved=False, field="route")),
    ("东一线", Outcome(saved=True, field=None)),
], ids=["another territory's route is refused", "the territory's route is accepted"])
def test_route_on_edit_is_the_same_through_every_door(door, route_name, expected, people, routes, client,
                                                      east_team):
    customer = CustomerFactory(owner=people["alice"], team=east_team, name="上海东方远洋贸易有限公司",
                               region=Region.objects.get(name="华东"))
    outcome = edit_route_through(door, people["bob"], customer, routes[route_name], client)
    assert outcome == expected
    customer.refresh_from_db()
    assert customer.route == (routes[route_name] if expected.saved else None)


# --- Handover: the new owner must be one who may own archives --------------------------------------------

def handover_through(door: str, user, customer: Customer, to_user, client) -> Outcome:
    reason = "Alice moves to the credit department"
    if door == "page":
        client.force_login(user)
        response = client.post(reverse("customers:handover", args=[customer.pk]),
                               {"to_user": to_user.pk, "reason": reason})
        if response.status_code != 200:
            return Outcome(saved=response.status_code == 302, field=None)
        return Outcome(saved=False, field=_form_field(response.context["form"].errors))
    if door == "api":
        api = APIClient()
        api.force_authenticate(user)
        response = api.post(f"/api/v1/customers/{customer.pk}/handover/", {"to": to_user.pk, "reason": reason},
                            format="json")
        if response.status_code == 200:
            return Outcome(saved=True, field=None)
        fields = [name for name in response.json() if name not in ("detail", "errors", "type", "code")]
        return Outcome(saved=False, field={"to": "to_user"}.get(fields[0], fields[0]) if fields else None)
    assert door == "admin"
    client.force_login(user)
    response = client.post(reverse("admin:customers_customer_changelist"), {
        "action": "handover_action", "_selected_action": [customer.pk], "apply": "1", "to_user": to_user.pk,
        "reason": reason})
    if response.status_code == 302:
        customer.refresh_from_db()
        return Outcome(saved=customer.owner_id == to_user.pk, field=None)
    return Outcome(saved=False, field=_form_field(response.context["form"].errors))


@pytest.mark.parametrize("door", ("page", "api", "admin"))
@pytest.mark.parametrize("to_name, expected", [
    ("credo", Outcome(saved=False, field="to_user")),
    ("fay", Outcome(saved=True, field=None)),
], ids=["a credit officer owns no archive", "a clerk may receive it"])
def test_handover_target_is_the_same_through_every_door(door, to_name, expected, people, client, east_team):
    customer = CustomerFactory(owner=people["alice"], team=east_team, name="上海东方远洋贸易有限公司")
    outcome = handover_through(door, people["bob"], customer, people[to_name], client)
    assert outcome == expected
    customer.refresh_from_db()
    assert customer.owner == (people[to_name] if expected.saved else people["alice"])
    assert OwnerChange.objects.filter(customer=customer, to_user=people[to_name]).count() == int(expected.saved)
