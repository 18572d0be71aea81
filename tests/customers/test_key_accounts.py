"""Key-account applications (SPEC §3): filing, the two-level approval, tiers from the target."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from crm.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from customers.key_accounts.models import KeyAccountApplication, KeyAccountThreshold
from customers.key_accounts.selectors import applications_waiting_for, key_account_candidates
from customers.key_accounts.services import (
    key_account_application_create,
    key_account_application_decide,
    key_account_tier_proposals_create,
    tier_for_target,
)
from tests.conftest import needs_postgres
from tests.factories import BusinessRecordFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db
WAN = Decimal("10000")


@pytest.fixture
def filed(customer, alice, dora):
    return key_account_application_create(customer=customer, user=alice, annual_revenue_target=300 * WAN,
                                          reason="年货量大，长期合作意向强", scale="大型")


@pytest.mark.parametrize("wan, tier", [(500, "A"), ("499.99", "B"), (200, "B"), (50, "C"), ("49.99", "D"), (10, "D"),
                                       ("9.99", None)])
def test_tier_follows_the_target_at_the_thresholds_edges(wan, tier):
    assert tier_for_target(Decimal(str(wan)) * WAN, year=2026) == tier


def test_thresholds_are_editable_per_year():
    KeyAccountThreshold.objects.create(year=2027, tier_a=800, tier_b=300, tier_c=80, tier_d=20)
    assert tier_for_target(600 * WAN, year=2027) == "B"
    assert tier_for_target(600 * WAN, year=2026) == "A"


def test_a_target_below_d_is_refused_when_filed(customer, alice):
    with pytest.raises(ApplicationError) as error:
        key_account_application_create(customer=customer, user=alice, annual_revenue_target=Decimal("99999.99"),
                                       reason="x")
    assert error.value.field == "annual_revenue_target"
    assert not KeyAccountApplication.objects.exists()


def test_head_then_gm_approve_and_the_tier_is_set(filed, customer, dora, gm):
    assert filed.proposed_tier == "B" and filed.status == "pending_head"
    assert list(applications_waiting_for(dora)) == [filed] and list(applications_waiting_for(gm)) == []
    key_account_application_decide(application=filed, user=dora, action="approve", comment="同意")
    customer.refresh_from_db()
    assert customer.tier is None  # only the final approval changes the tier
    assert list(applications_waiting_for(gm)) == [filed] and list(applications_waiting_for(dora)) == []
    approved = key_account_application_decide(application=filed, user=gm, action="approve")
    customer.refresh_from_db()
    assert (approved.status, customer.tier, customer.annual_revenue_target) == ("approved", "B", 300 * WAN)
    assert [(row.action, row.actor, row.to_state) for row in approved.log.order_by("at", "pk")] == [
        ("file", approved.applicant, "pending_head"), ("approve", dora, "pending_gm"), ("approve", gm, "approved")]


def test_the_same_person_cannot_approve_twice(customer, alice, east_team):
    both = UserFactory(username="both", roles=["dept_head", "gm"], teams=[east_team])
    application = key_account_application_create(customer=customer, user=alice, annual_revenue_target=60 * WAN,
                                                  reason="x")
    key_account_application_decide(application=application, user=both, action="approve")
    with pytest.raises(PermissionDeniedError, match="different people"):
        key_account_application_decide(application=application, user=both, action="approve")
    application.refresh_from_db()
    assert application.status == "pending_gm"
    assert list(applications_waiting_for(both)) == []


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "gm"])
def test_only_a_head_of_the_team_decides_first(filed, request, who):
    with pytest.raises(PermissionDeniedError):
        key_account_application_decide(application=filed, user=request.getfixturevalue(who), action="approve")


def test_only_the_gm_decides_second(filed, dora):
    key_account_application_decide(application=filed, user=dora, action="approve")
    with pytest.raises(PermissionDeniedError):
        key_account_application_decide(application=filed, user=dora, action="approve")


def test_a_decided_application_answers_conflict(filed, dora, gm):
    key_account_application_decide(application=filed, user=dora, action="reject", comment="货量不稳定")
    for user in (dora, gm):
        with pytest.raises(ConflictError):
            key_account_application_decide(application=filed, user=user, action="approve")


def test_rejection_needs_a_comment_and_changes_nothing(filed, customer, dora, gm):
    with pytest.raises(ApplicationError) as error:
        key_account_application_decide(application=filed, user=dora, action="reject", comment=" ")
    assert error.value.field == "comment"
    key_account_application_decide(application=filed, user=dora, action="approve")
    key_account_application_decide(application=filed, user=gm, action="reject", comment="目标偏高")
    filed.refresh_from_db()
    customer.refresh_from_db()
    assert (filed.status, filed.gm_decided_by, customer.tier) == ("rejected", gm, None)


def test_one_open_application_per_customer(filed, customer, alice):
    with pytest.raises(ConflictError):
        key_account_application_create(customer=customer, user=alice, annual_revenue_target=60 * WAN, reason="y")


@pytest.mark.parametrize("who", ["bob", "charlie", "credit_officer"])
def test_who_may_not_file(customer, request, who):
    with pytest.raises(PermissionDeniedError):
        key_account_application_create(customer=customer, user=request.getfixturevalue(who),
                                       annual_revenue_target=60 * WAN, reason="x")


def test_candidates_come_from_the_last_twelve_months_revenue(alice, bob, east_team):
    today = dt.date(2026, 12, 1)
    rich = CustomerFactory(owner=alice, team=east_team, stage="customer")
    edge = CustomerFactory(owner=alice, team=east_team, stage="customer")
    poor = CustomerFactory(owner=alice, team=east_team, stage="customer")
    old = CustomerFactory(owner=alice, team=east_team, stage="customer")
    for amount in (600_000, 500_000):
        BusinessRecordFactory(customer=rich, date=dt.date(2026, 6, 1), amount=Decimal(amount))
    BusinessRecordFactory(customer=edge, date=dt.date(2026, 6, 1), amount=Decimal("99999"))
    BusinessRecordFactory(customer=edge, date=dt.date(2026, 7, 1), amount=Decimal("1"))
    BusinessRecordFactory(customer=poor, date=dt.date(2026, 6, 1), amount=Decimal("99998"))
    BusinessRecordFactory(customer=poor, date=dt.date(2026, 7, 1), amount=Decimal("1"))
    BusinessRecordFactory(customer=old, date=dt.date(2025, 11, 30), amount=Decimal("9000000"))
    BusinessRecordFactory(customer=old, date=dt.date(2025, 11, 29), amount=Decimal("9000000"))
    rows = key_account_candidates(bob, today=today)
    assert [(c.pk, c.revenue, c.record_count, c.candidate_tier) for c in rows] == [
        (rich.pk, Decimal("1100000"), 2, "C"), (edge.pk, Decimal("100000"), 2, "D")]
    assert key_account_candidates(UserFactory(roles=["account_manager"]), today=today) == []


def test_yearly_tier_proposals_are_applications_filed_once(alice, east_team, dora, gm):
    account = CustomerFactory(owner=alice, team=east_team, stage="customer", tier="C",
                              annual_revenue_target=60 * WAN)
    steady = CustomerFactory(owner=alice, team=east_team, stage="customer", tier="D", annual_revenue_target=20 * WAN)
    BusinessRecordFactory(customer=account, date=dt.date(2026, 3, 1), amount=Decimal("2500000"))
    BusinessRecordFactory(customer=steady, date=dt.date(2026, 3, 1), amount=Decimal("150000"))
    assert key_account_tier_proposals_create(year=2027) == 1
    assert key_account_tier_proposals_create(year=2027) == 0
    proposal = KeyAccountApplication.objects.get()
    assert (proposal.customer, proposal.kind, proposal.proposed_tier, proposal.previous_tier, proposal.applicant) == (
        account, "tier_change", "B", "C", None)
    key_account_application_decide(application=proposal, user=dora, action="approve")
    key_account_application_decide(application=proposal, user=gm, action="approve")
    account.refresh_from_db()
    assert (account.tier, account.annual_revenue_target) == ("B", Decimal("2500000.00"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not needs_postgres(), reason="needs DATABASE_URL pointing at PostgreSQL")
def test_two_gms_approving_at_once_apply_once(customer, alice, dora, gm):
    second_gm = UserFactory(username="gm2", roles=["gm"])
    application = key_account_application_create(customer=customer, user=alice, annual_revenue_target=60 * WAN,
                                                  reason="x")
    key_account_application_decide(application=application, user=dora, action="approve")
    barrier, outcomes = threading.Barrier(2), []

    def approve(user):
        try:
            barrier.wait()
            key_account_application_decide(application=application, user=user, action="approve")
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(user,)) for user in (gm, second_gm)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert application.log.filter(action="approve").count() == 2


# --- REST (SPEC §9) ----------------------------------------------------------------------------------

APPLICATIONS = "/api/v1/key-accounts/applications/"


def test_api_file_approve_approve(api_for, customer, alice, dora, gm):
    response = api_for(alice).post(APPLICATIONS, {"customer": customer.pk, "annual_revenue_target": "5000000.00",
                                                  "reason": "全年运量稳定"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["customer"], body["proposed_tier"], body["status"]) == (customer.pk, "A", "pending_head")
    assert [step["action"] for step in body["history"]] == ["file"]
    url = f"{APPLICATIONS}{body['id']}/actions/"
    assert api_for(gm).post(url, {"action": "approve"}, format="json").status_code == 403
    assert api_for(dora).post(url, {"action": "approve", "comment": "同意"}, format="json").status_code == 200
    response = api_for(gm).post(url, {"action": "approve"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert [(s["action"], s["actor"]) for s in response.json()["history"]] == [
        ("file", alice.pk), ("approve", dora.pk), ("approve", gm.pk)]
    assert api_for(gm).post(url, {"action": "reject", "comment": "x"}, format="json").status_code == 409
    customer_body = api_for(alice).get(f"/api/v1/customers/{customer.pk}/").json()
    assert (customer_body["tier"], customer_body["annual_revenue_target"]) == ("A", "5000000.00")
    assert api_for(alice).get("/api/v1/customers/", {"tier": "A"}).json()["count"] == 1


def test_api_refusals(api_for, customer, alice, charlie, dora):
    low = api_for(alice).post(APPLICATIONS, {"customer": customer.pk, "annual_revenue_target": "99999.99",
                                             "reason": "x"}, format="json")
    assert low.status_code == 400 and "annual_revenue_target" in low.json()
    assert api_for(charlie).post(APPLICATIONS, {"customer": customer.pk, "annual_revenue_target": "600000",
                                                "reason": "x"}, format="json").status_code == 404
    filed = api_for(alice).post(APPLICATIONS, {"customer": customer.pk, "annual_revenue_target": "600000",
                                               "reason": "x"}, format="json").json()
    url = f"{APPLICATIONS}{filed['id']}/actions/"
    assert api_for(charlie).post(url, {"action": "approve"}, format="json").status_code == 404
    assert api_for(charlie).get(f"{APPLICATIONS}{filed['id']}/").status_code == 404
    assert api_for(alice).post(url, {"action": "approve"}, format="json").status_code == 403
    assert api_for(dora).post(url, {"action": "promote"}, format="json").status_code == 400
    assert api_for(dora).post(url, {"action": "reject"}, format="json").status_code == 400  # a comment is needed
    assert api_for(alice).post(APPLICATIONS, {"customer": customer.pk, "annual_revenue_target": "600000",
                                              "reason": "again"}, format="json").status_code == 409
    assert api_for(charlie).get(APPLICATIONS).json()["count"] == 0
    assert api_for(alice).get(APPLICATIONS).json()["count"] == 1


# --- Pages -------------------------------------------------------------------------------------------

def test_pages_file_then_head_and_gm_decide(client, customer, alice, dora, gm):
    from django.urls import reverse

    client.force_login(alice)
    form = client.get(reverse("customers:key_account_apply", args=[customer.pk]))
    assert form.status_code == 200 and "500" in form.content.decode()  # the thresholds are shown
    low = client.post(reverse("customers:key_account_apply", args=[customer.pk]),
                      {"target_wan": "9.99", "reason": "x"})
    assert low.status_code == 200 and low.context["form"].errors["target_wan"]
    response = client.post(reverse("customers:key_account_apply", args=[customer.pk]),
                           {"target_wan": "520", "reason": "年运量大", "scale": "大型"})
    application = KeyAccountApplication.objects.get()
    assert response.status_code == 302 and response.url == reverse("customers:key_account_detail",
                                                                   args=[application.pk])
    assert application.annual_revenue_target == Decimal("5200000.00") and application.proposed_tier == "A"

    client.force_login(dora)
    home = client.get("/").content.decode()
    assert customer.name in home and reverse("customers:key_account_detail", args=[application.pk]) in home
    page = client.get(reverse("customers:key_account_detail", args=[application.pk])).content.decode()
    assert 'id="action-approve"' in page and 'id="action-reject"' in page
    client.post(reverse("customers:key_account_decide", args=[application.pk]), {"action": "approve"})
    again = client.post(reverse("customers:key_account_decide", args=[application.pk]), {"action": "approve"},
                        follow=True)
    assert "general manager" in again.content.decode()  # the head may not decide the second level

    client.force_login(gm)
    waiting = client.get(reverse("customers:key_accounts") + "?show=mine")
    assert [a.pk for a in waiting.context["page_obj"]] == [application.pk]
    client.post(reverse("customers:key_account_decide", args=[application.pk]), {"action": "approve"})
    customer.refresh_from_db()
    assert customer.tier == "A"
    detail = client.get(reverse("customers:key_account_detail", args=[application.pk])).content.decode()
    assert 'id="decision"' not in detail and detail.count('data-action="approve"') == 2


def test_pages_are_closed_to_outsiders(client, customer, alice, charlie, integration_user):
    from django.urls import reverse

    application = key_account_application_create(customer=customer, user=alice, annual_revenue_target=60 * WAN,
                                                  reason="x")
    client.force_login(charlie)
    assert client.get(reverse("customers:key_account_detail", args=[application.pk])).status_code == 404
    assert client.get(reverse("customers:key_account_apply", args=[customer.pk])).status_code == 404
    assert client.post(reverse("customers:key_account_decide", args=[application.pk]),
                       {"action": "approve"}).status_code == 404
    assert client.get(reverse("customers:key_accounts")).context["page_obj"].paginator.count == 0
    client.force_login(integration_user)
    assert client.get(reverse("customers:key_accounts")).status_code == 404


def test_candidates_page(client, bob, customer):
    from django.urls import reverse

    customer.stage = "customer"
    customer.save()
    for month in (3, 4):
        BusinessRecordFactory(customer=customer, date=dt.date.today().replace(day=1) - dt.timedelta(days=30 * month),
                              amount=Decimal("800000"))
    client.force_login(bob)
    page = client.get(reverse("customers:key_account_candidates"))
    assert page.status_code == 200 and [c.pk for c in page.context["rows"]] == [customer.pk]
    assert page.context["rows"][0].candidate_tier == "C"


def test_list_query_count_is_flat(client, dora, alice, east_team, django_assert_num_queries):
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    def file(n):
        for _ in range(n):
            key_account_application_create(customer=CustomerFactory(owner=alice, team=east_team), user=alice,
                                           annual_revenue_target=60 * WAN, reason="x")

    file(2)
    client.force_login(dora)
    client.get(reverse("customers:key_accounts"))  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("customers:key_accounts")).status_code == 200
    file(10)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(reverse("customers:key_accounts")).status_code == 200
