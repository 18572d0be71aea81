"""The customer archive pages: list, card, create/edit, history, handover, retirement, print and XLSX
card, classification summary and the yearly refresh, as owner (alice), colleague (bob, clerk of her
team) and outsider (charlie, another team's account manager)."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Notification
from customers.models import (
    AccessLog,
    Customer,
    CustomerNature,
    Industry,
    OwnerChange,
    RefreshTask,
    Region,
    Route,
)
from tests.factories import (
    BusinessRecordFactory,
    CompetitorFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    make_credit_code,
)

pytestmark = pytest.mark.django_db


def client_for(client, user):
    client.force_login(user)
    return client


def names_in(response) -> list[str]:
    return [c.name for c in response.context["customers"]]


def name_set(response) -> set[str]:
    return set(names_in(response))


def card_post(**overrides) -> dict:
    """A valid card form, as the browser posts it."""
    data = {"name": "杭州西湖国际货运代理有限公司", "short_name": "西湖货代", "stage": "customer",
            "phone": "0571-88886666", "address": "杭州市西湖区文三路1号", "source": "staff_visit",
            "service_needs": ["transport", "warehousing"], "has_trade_rights": "unknown"}
    data.update(overrides)
    return data


# --- List -----------------------------------------------------------------------------------------

def test_list_as_owner_colleague_outsider(client, customer, alice, bob, charlie):
    other = CustomerFactory(owner=charlie, name="成都西部物流有限公司")
    assert names_in(client_for(client, alice).get(reverse("customers:list"))) == [customer.name]
    assert names_in(client_for(client, bob).get(reverse("customers:list"))) == [customer.name]
    response = client_for(client, charlie).get(reverse("customers:list"))
    assert names_in(response) == [other.name]
    assert customer.name not in response.content.decode()


def test_list_outsider_sees_none_of_alices(client, customer, charlie):
    response = client_for(client, charlie).get(reverse("customers:list"), {"q": customer.name})
    assert response.status_code == 200
    assert names_in(response) == []


def test_list_search_by_name_code_and_phone(client, customer, alice):
    CustomerFactory(owner=alice, name="北京测试客户有限公司", phone="010-12340000")
    c = client_for(client, alice)
    assert names_in(c.get(reverse("customers:list"), {"q": "东方远洋"})) == [customer.name]
    assert names_in(c.get(reverse("customers:list"), {"q": customer.code})) == [customer.name]
    assert names_in(c.get(reverse("customers:list"), {"q": "02155550001"})) == [customer.name]
    assert names_in(c.get(reverse("customers:list"), {"q": "不存在的公司"})) == []


def test_list_filters_by_region_industry_and_stage(client, alice):
    east, south = Region.objects.get(name="华东"), Region.objects.get(name="华南")
    chem = Industry.objects.get(name="化工")
    a = CustomerFactory(owner=alice, name="甲公司", region=east, industry=chem, stage="customer")
    b = CustomerFactory(owner=alice, name="乙公司", region=south, industry=chem, stage="prospect")
    c = CustomerFactory(owner=alice, name="丙公司", region=south, industry=None, stage="prospect")
    cl = client_for(client, alice)
    assert name_set(cl.get(reverse("customers:list"), {"region": "华南"})) == {b.name, c.name}
    assert name_set(cl.get(reverse("customers:list"), {"industry": "化工"})) == {a.name, b.name}
    assert names_in(cl.get(reverse("customers:list"), {"stage": "prospect", "industry": "化工"})) == [b.name]


def test_list_group_by_counts(client, alice):
    south = Region.objects.get(name="华南")
    for name in ("甲", "乙", "丙"):
        CustomerFactory(owner=alice, name=f"{name}公司", region=south)
    CustomerFactory(owner=alice, name="丁公司", region=Region.objects.get(name="华北"))
    CustomerFactory(owner=alice, name="戊公司", region=None)
    response = client_for(client, alice).get(reverse("customers:list"), {"group_by": "region"})
    groups = {g["label"]: g["count"] for g in response.context["groups"]}
    assert groups == {"华南": 3, "华北": 1, "(not set)": 1}
    south_group = next(g for g in response.context["groups"] if g["label"] == "华南")
    assert "region=%E5%8D%8E%E5%8D%97" in south_group["url"]
    # Choice dimensions are shown by their labels and link by their value.
    response = client_for(client, alice).get(reverse("customers:list"), {"group_by": "stage"})
    assert {g["label"]: g["count"] for g in response.context["groups"]} == {"Transacting customer": 5}


def test_list_group_by_owner_links_by_id(client, bob, alice, east_team):
    CustomerFactory(owner=alice, team=east_team, name="甲公司")
    response = client_for(client, bob).get(reverse("customers:list"), {"group_by": "owner"})
    (group,) = response.context["groups"]
    assert group["label"] == "alice" and group["count"] == 1 and f"owner={alice.pk}" in group["url"]


def test_list_sorting_and_retired_toggle(client, alice):
    CustomerFactory(owner=alice, name="A公司", code="C9000002")
    CustomerFactory(owner=alice, name="B公司", code="C9000001")
    CustomerFactory(owner=alice, name="C公司", code="C9000003", is_active=False)
    cl = client_for(client, alice)
    assert names_in(cl.get(reverse("customers:list"), {"sort": "code"})) == ["B公司", "A公司"]
    assert names_in(cl.get(reverse("customers:list"), {"sort": "-code"})) == ["A公司", "B公司"]
    assert names_in(cl.get(reverse("customers:list"), {"sort": "nonsense"})) == ["A公司", "B公司"]
    assert names_in(cl.get(reverse("customers:list"), {"include_retired": "on"})) == ["A公司", "B公司", "C公司"]
    assert names_in(cl.get(reverse("customers:list"), {"is_active": "false"})) == ["C公司"]


def test_list_bad_filter_values_do_not_fail(client, alice, customer):
    response = client_for(client, alice).get(reverse("customers:list"), {
        "owner": "abc", "route": "x", "page": "999", "group_by": "nope", "sort": "-"})
    assert response.status_code == 200


def test_list_links_to_export_with_the_same_filters(client, alice, customer):
    response = client_for(client, alice).get(reverse("customers:list"), {"stage": "customer", "page": "1"})
    assert response.context["export_url"] == "/customers/export/?stage=customer"
    assert response.context["export_xlsx_url"] == "/customers/export/?stage=customer&format=xlsx"


def test_list_paginates_by_50(client, alice):
    CustomerFactory.create_batch(55, owner=alice)
    cl = client_for(client, alice)
    first = cl.get(reverse("customers:list"))
    assert len(first.context["customers"]) == 50 and first.context["total"] == 55
    assert len(cl.get(reverse("customers:list"), {"page": 2}).context["customers"]) == 5


def _list_queries(client, django_assert_max_num_queries, user, bound):
    with django_assert_max_num_queries(bound):
        response = client.get(reverse("customers:list"), {"group_by": "region"})
    assert response.status_code == 200
    return response


def test_list_query_count_is_flat(client, bob, east_team, django_assert_max_num_queries):
    owner = UserFactory(username="eve", roles=["account_manager"], teams=[east_team])
    route = Route.objects.create(region=Region.objects.get(name="华东"), name="一号线")
    nature = CustomerNature.objects.first()
    industry = Industry.objects.first()
    CustomerFactory.create_batch(5, owner=owner, team=east_team, route=route, nature=nature, industry=industry)
    cl = client_for(client, bob)
    bound = 19  # 18 + the user's grants, read as values so the access filter is served by indexes
    response = _list_queries(cl, django_assert_max_num_queries, bob, bound)
    assert len(response.context["customers"]) == 5
    CustomerFactory.create_batch(35, owner=owner, team=east_team, route=route, nature=nature, industry=industry)
    response = _list_queries(cl, django_assert_max_num_queries, bob, bound)
    assert len(response.context["customers"]) == 40


def test_list_hidden_from_integration_accounts(client, integration_user, customer):
    # A page the role may not use: 403 (README "Refusals").
    assert client_for(client, integration_user).get(reverse("customers:list")).status_code == 403


# --- Card -----------------------------------------------------------------------------------------

def test_detail_owner_colleague_outsider(client, customer, alice, bob, charlie):
    assert client_for(client, alice).get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    assert client_for(client, bob).get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    assert client_for(client, charlie).get(reverse("customers:detail", args=[customer.pk])).status_code == 404
    assert client_for(client, alice).get("/customers/999999/").status_code == 404


def test_detail_logs_non_owner_reads_only(client, customer, alice, bob):
    client_for(client, alice).get(reverse("customers:detail", args=[customer.pk]))
    assert not AccessLog.objects.exists()
    client_for(client, bob).get(reverse("customers:detail", args=[customer.pk]))
    log = AccessLog.objects.get()
    assert (log.user, log.customer, log.action, log.channel) == (bob, customer, "read", "web")


def test_detail_shows_header_tabs_and_related(client, customer, alice):
    customer.bank = "工商银行上海分行"
    customer.save()
    ContactFactory(customer=customer, name="王经理")
    CompetitorFactory(customer=customer, name="顺达物流")
    BusinessRecordFactory(customer=customer, amount=Decimal("1000.00"), paid_amount=Decimal("400.00"))
    BusinessRecordFactory(customer=customer, amount=Decimal("500.00"), paid_amount=Decimal("500.00"))
    response = client_for(client, alice).get(reverse("customers:detail", args=[customer.pk]))
    html = response.content.decode()
    for text in (customer.name, customer.code, "王经理", "顺达物流", "工商银行上海分行", 'id="owner-history"',
                 'id="credit"', "Coming with the credit module", 'id="records-table"'):
        assert text in html
    totals = response.context["record_totals"]
    assert (totals["amount"], totals["paid"], totals["open"], totals["count"]) == (
        Decimal("1500.00"), Decimal("900.00"), Decimal("600.00"), 2)
    assert response.context["show_financials"] and response.context["show_sensitive"]
    assert response.context["can_edit"] is True


def test_detail_hides_financials_from_a_grantee(client, customer, charlie, dora):
    from customers.models import AccessGrant

    customer.bank = "工商银行上海分行"
    customer.save()
    AccessGrant.objects.create(customer=customer, user=charlie, granted_by=dora,
                               expires_at=timezone.now() + dt.timedelta(days=7))
    response = client_for(client, charlie).get(reverse("customers:detail", args=[customer.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "工商银行上海分行" not in html and 'id="financials-hidden"' in html
    assert not response.context["can_edit"] and 'id="edit-link"' not in html


def test_detail_verification_overdue_shown_red(client, customer, alice):
    customer.last_verified_on = timezone.localdate() - dt.timedelta(days=400)
    customer.save()
    html = client_for(client, alice).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'class="text-danger fw-bold"' in html and 'id="refresh-banner"' in html


def test_detail_query_count_is_bounded(client, customer, bob, django_assert_max_num_queries):
    def fill(n):
        for _ in range(n):
            ContactFactory(customer=customer)
            CompetitorFactory(customer=customer)
            BusinessRecordFactory(customer=customer)
            customer.interactions.create(kind="call", user=customer.owner, summary="电话联系")

    cl = client_for(client, bob)
    fill(1)
    with django_assert_max_num_queries(23):  # card, panels, refresh rule
        assert cl.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    fill(10)
    with django_assert_max_num_queries(23):
        assert cl.get(reverse("customers:detail", args=[customer.pk])).status_code == 200


def test_mark_checked_by_clerk(client, customer, alice, bob):
    Customer.objects.filter(pk=customer.pk).update(is_checked=False, source="freight_system")
    html = client_for(client, bob).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'id="mark-checked"' in html
    response = client.post(reverse("customers:mark_checked", args=[customer.pk]))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.is_checked and customer.checked_by == bob


def test_mark_checked_refused_to_account_manager_and_hidden_from_outsider(client, customer, alice, charlie):
    Customer.objects.filter(pk=customer.pk).update(is_checked=False)
    assert client_for(client, alice).post(reverse("customers:mark_checked", args=[customer.pk])).status_code == 403
    assert client_for(client, charlie).post(reverse("customers:mark_checked", args=[customer.pk])).status_code == 404
    customer.refresh_from_db()
    assert not customer.is_checked


# --- Create / edit --------------------------------------------------------------------------------

def test_create_valid_redirects_and_owner_is_creator(client, alice, east_team):
    response = client_for(client, alice).post(reverse("customers:create"), card_post())
    created = Customer.objects.get(name="杭州西湖国际货运代理有限公司")
    assert response.status_code == 302 and response.url == reverse("customers:detail", args=[created.pk])
    assert created.owner == alice and created.created_by == alice and created.team == east_team
    assert created.service_needs == ["transport", "warehousing"]
    assert created.code == f"C{created.pk:07d}"
    assert OwnerChange.objects.filter(customer=created, to_user=alice).exists()


def test_create_form_has_no_owner_for_account_manager(client, alice):
    response = client_for(client, alice).get(reverse("customers:create"))
    assert "owner" not in response.context["form"].fields
    # A forged owner field is ignored: account managers file archives they own.
    other = UserFactory(username="mallory", roles=["account_manager"])
    client.post(reverse("customers:create"), card_post(owner=other.pk))
    assert Customer.objects.get(name="杭州西湖国际货运代理有限公司").owner == alice


def test_clerk_chooses_owner_of_own_team(client, bob, alice, charlie):
    cl = client_for(client, bob)
    form = cl.get(reverse("customers:create")).context["form"]
    candidates = set(form.fields["owner"].queryset)
    assert alice in candidates and bob in candidates and charlie not in candidates
    assert form["owner"].value() == bob.pk
    response = cl.post(reverse("customers:create"), card_post(owner=alice.pk))
    assert response.status_code == 302
    assert Customer.objects.get(name="杭州西湖国际货运代理有限公司").owner == alice
    response = cl.post(reverse("customers:create"), card_post(name="另一家公司", phone="", owner=charlie.pk))
    assert response.status_code == 200 and "owner" in response.context["form"].errors


def test_create_duplicate_name_names_the_existing(client, customer, alice):
    spaced = " 上海 东方远洋贸易（有限公司） "
    response = client_for(client, alice).post(reverse("customers:create"), card_post(name=spaced, phone=""))
    assert response.status_code == 200
    errors = response.context["form"].errors["name"]
    assert customer.code in errors[0] and customer.name in errors[0]
    assert response.context["duplicate"]["url"] == reverse("customers:detail", args=[customer.pk])
    assert Customer.objects.count() == 1


def test_create_duplicate_of_unreadable_archive_has_no_link_and_no_name(client, customer, charlie):
    response = client_for(client, charlie).post(reverse("customers:create"),
                                                card_post(name="上海东方远洋贸易有限公司", phone=""))
    assert response.status_code == 200
    assert response.context["duplicate"] == {"url": ""}
    # Refused as a duplicate, but the archive charlie may not read is neither named nor linked (SPEC §8).
    error = response.context["form"].errors["name"][0]
    assert "already exists" in error and customer.code not in error
    html = response.content.decode()
    assert customer.code not in html and "alice" not in html
    assert Customer.objects.count() == 1


def test_create_invalid_credit_code_is_a_field_error(client, alice):
    response = client_for(client, alice).post(reverse("customers:create"), card_post(credit_code="91310000123456789X"))
    assert response.status_code == 200
    assert "credit_code" in response.context["form"].errors
    assert not Customer.objects.exists()


def test_create_duplicate_credit_code_is_a_field_error(client, customer, alice):
    code = make_credit_code(77)
    Customer.objects.filter(pk=customer.pk).update(credit_code=code)
    response = client_for(client, alice).post(reverse("customers:create"), card_post(credit_code=code.lower()))
    assert response.status_code == 200
    assert customer.code in response.context["form"].errors["credit_code"][0]
    assert Customer.objects.count() == 1


def test_create_missing_name_and_bad_values(client, alice):
    response = client_for(client, alice).post(reverse("customers:create"), card_post(
        name="", email="not-an-email", our_share="150", employees="-3", founded_on="2020-13-45"))
    assert response.status_code == 200
    assert {"name", "email", "our_share", "employees", "founded_on"} <= set(response.context["form"].errors)
    assert not Customer.objects.exists()


def test_create_refused_to_club_office(client, db):
    user = UserFactory(username="club", roles=["club_office"])
    assert client_for(client, user).get(reverse("customers:create")).status_code == 403


def test_edit_by_owner_and_clerk_not_outsider(client, customer, alice, bob, charlie):
    url = reverse("customers:edit", args=[customer.pk])
    assert client_for(client, charlie).get(url).status_code == 404
    assert client_for(client, charlie).post(url, card_post(name=customer.name)).status_code == 404
    response = client_for(client, alice).post(url, card_post(name=customer.name, address="上海市浦东新区1号",
                                                             change_reason="搬迁"))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.address == "上海市浦东新区1号"
    response = client_for(client, bob).post(url, card_post(name=customer.name, short_name="东方"))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.short_name == "东方"


def test_edit_by_reader_who_may_not_edit_is_403(client, customer, credit_officer):
    assert client_for(client, credit_officer).get(reverse("customers:edit", args=[customer.pk])).status_code == 403


def test_edit_cannot_change_owner_tier_or_grade(client, customer, alice, charlie):
    client_for(client, alice).post(reverse("customers:edit", args=[customer.pk]), card_post(
        name=customer.name, owner=charlie.pk, tier="A", credit_grade="A", annual_revenue_target="9999999",
        code="HACKED"))
    customer.refresh_from_db()
    assert customer.owner == alice and customer.tier is None and customer.credit_grade is None
    assert customer.annual_revenue_target is None and customer.code != "HACKED"
    form = client.get(reverse("customers:edit", args=[customer.pk])).context["form"]
    assert not {"owner", "tier", "credit_grade", "annual_revenue_target", "code"} & set(form.fields)


def test_edit_duplicate_name_of_another_archive(client, customer, alice):
    other = CustomerFactory(owner=alice, name="另一家公司有限公司")
    response = client_for(client, alice).post(reverse("customers:edit", args=[other.pk]),
                                              card_post(name="上海 东方远洋贸易（有限公司）", phone=""))
    assert response.status_code == 200
    assert customer.code in response.context["form"].errors["name"][0]
    other.refresh_from_db()
    assert other.name == "另一家公司有限公司"


def test_edit_without_changes_saves_nothing(client, customer, alice):
    url = reverse("customers:edit", args=[customer.pk])
    cl = client_for(client, alice)
    form = cl.get(url).context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields}
    data = {k: v for k, v in data.items() if v not in ([], "")}
    data["has_trade_rights"] = "unknown"
    before = customer.history.count()
    response = cl.post(url, data)
    assert response.status_code == 302
    assert customer.history.count() == before


def test_edit_hides_financial_fields_from_those_who_may_not_see_them(client, customer, gm):
    form = client_for(client, gm).get(reverse("customers:edit", args=[customer.pk])).context["form"]
    assert "bank" in form.fields


# --- History ----------------------------------------------------------------------------------------

def test_history_shows_before_and_after(client, customer, alice, bob, charlie, credit_officer):
    old_address = customer.address
    client_for(client, alice).post(reverse("customers:edit", args=[customer.pk]),
                                   card_post(name=customer.name, address="上海市浦东新区世纪大道100号",
                                             industry=Industry.objects.get(name="化工").pk, change_reason="搬迁"))
    response = client.get(reverse("customers:history", args=[customer.pk]))
    assert response.status_code == 200
    changes = {c["label"]: c for e in response.context["entries"] for c in e["changes"]}
    assert changes["address"]["after"] == "上海市浦东新区世纪大道100号"
    assert changes["address"]["before"] == (old_address or "—")
    assert changes["industry"]["after"] == "化工"
    entry = next(e for e in response.context["entries"] if e["changes"])
    assert entry["user"] == "alice" and "搬迁" in entry["reason"] and "Major change" in entry["reason"]
    assert client_for(client, bob).get(reverse("customers:history", args=[customer.pk])).status_code == 200
    assert AccessLog.objects.filter(user=bob, customer=customer, action="read", detail="change history").exists()
    assert not AccessLog.objects.filter(user=alice).exists()
    assert client_for(client, credit_officer).get(reverse("customers:history", args=[customer.pk])).status_code == 403
    assert client_for(client, charlie).get(reverse("customers:history", args=[customer.pk])).status_code == 404


# --- Handover ---------------------------------------------------------------------------------------

def test_handover_single(client, customer, alice, bob, dora, east_team, django_capture_on_commit_callbacks):
    new_owner = UserFactory(username="frank", roles=["account_manager"], teams=[east_team])
    url = reverse("customers:handover", args=[customer.pk])
    assert client_for(client, alice).get(url).status_code == 403  # owners do not hand over themselves
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(client, bob).post(url, {"to_user": new_owner.pk, "reason": "岗位调整",
                                                      "note": "有两票未结", "files_received_by": bob.pk})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.owner == new_owner
    change = OwnerChange.objects.filter(customer=customer).order_by("-id").first()
    assert (change.from_user, change.to_user, change.reason, change.files_received_by) == (
        alice, new_owner, "岗位调整", bob)
    assert Notification.objects.filter(recipient=new_owner, title__contains=customer.name).exists()


def test_handover_outsider_404_and_errors_beside_fields(client, customer, bob, charlie):
    url = reverse("customers:handover", args=[customer.pk])
    assert client_for(client, charlie).post(url, {"to_user": charlie.pk, "reason": "x"}).status_code == 404
    response = client_for(client, bob).post(url, {"to_user": "", "reason": ""})
    assert response.status_code == 200
    assert {"to_user", "reason"} <= set(response.context["form"].errors)


def test_handover_all_moves_every_archive(client, alice, dora, east_team):
    customers = CustomerFactory.create_batch(3, owner=alice, team=east_team)
    successor = UserFactory(username="grace", roles=["account_manager"], teams=[east_team])
    clerk = UserFactory(username="henry", roles=["clerk"], teams=[east_team])
    response = client_for(client, dora).post(reverse("customers:handover_all"), {
        "from_user": alice.pk, "to_user": successor.pk, "reason": "离职", "files_received_by": clerk.pk})
    assert response.status_code == 302
    assert Customer.objects.filter(owner=alice).count() == 0
    assert Customer.objects.filter(owner=successor).count() == 3
    assert OwnerChange.objects.filter(to_user=successor, reason="离职", files_received_by=clerk).count() == 3
    assert {c.pk for c in customers} == set(Customer.objects.filter(owner=successor).values_list("pk", flat=True))


def test_handover_all_is_atomic(client, alice, bob, east_team, west_team):
    mine = CustomerFactory(owner=alice, team=east_team)
    elsewhere = CustomerFactory(owner=alice, team=west_team, name="西部仓储有限公司")
    successor = UserFactory(username="grace", roles=["account_manager"], teams=[east_team])
    response = client_for(client, bob).post(reverse("customers:handover_all"), {
        "from_user": alice.pk, "to_user": successor.pk, "reason": "离职"})
    assert response.status_code == 200
    errors = response.context["form"].errors["from_user"][0]
    assert "西部仓储" not in errors  # the archive bob may not read is not named
    assert set(Customer.objects.filter(pk__in=[mine.pk, elsewhere.pk]).values_list("owner", flat=True)) == {alice.pk}


def test_handover_all_refused_to_account_managers(client, alice):
    assert client_for(client, alice).get(reverse("customers:handover_all")).status_code == 403


def test_handover_all_same_user_is_a_field_error(client, alice, dora, customer):
    response = client_for(client, dora).post(reverse("customers:handover_all"), {
        "from_user": alice.pk, "to_user": alice.pk, "reason": "x"})
    assert response.status_code == 200 and "to_user" in response.context["form"].errors


# --- Retirement -------------------------------------------------------------------------------------

def test_deactivate_and_reactivate(client, customer, alice, charlie):
    url = reverse("customers:deactivate", args=[customer.pk])
    assert client_for(client, charlie).post(url, {"reason": "x"}).status_code == 404
    cl = client_for(client, alice)
    response = cl.post(url, {"reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    assert cl.post(url, {"reason": "已停业"}).status_code == 302
    customer.refresh_from_db()
    assert not customer.is_active and customer.deactivation_reason == "已停业"
    assert names_in(cl.get(reverse("customers:list"))) == []
    assert names_in(cl.get(reverse("customers:list"), {"include_retired": "on"})) == [customer.name]
    html = cl.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'id="retired-banner"' in html and "已停业" in html
    assert cl.get(reverse("customers:reactivate", args=[customer.pk])).status_code == 405
    assert cl.post(reverse("customers:reactivate", args=[customer.pk])).status_code == 302
    customer.refresh_from_db()
    assert customer.is_active and customer.deactivation_reason == ""


# --- Print and XLSX card ------------------------------------------------------------------------------

def test_print_page_logs_print(client, customer, alice, charlie):
    ContactFactory(customer=customer, name="李总", hobbies="高尔夫")
    response = client_for(client, alice).get(reverse("customers:print", args=[customer.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-print id="print-button"' in html and "李总" in html and "高尔夫" in html
    log = AccessLog.objects.get()
    assert (log.action, log.customer, log.user) == ("print", customer, alice)
    assert client_for(client, charlie).get(reverse("customers:print", args=[customer.pk])).status_code == 404


def test_print_page_hides_personal_data_and_financials_from_a_grantee(client, customer, charlie, dora):
    from customers.models import AccessGrant

    customer.bank = "工商银行上海分行"
    customer.save()
    ContactFactory(customer=customer, name="李总", hobbies="高尔夫")
    AccessGrant.objects.create(customer=customer, user=charlie, granted_by=dora,
                               expires_at=timezone.now() + dt.timedelta(days=1))
    html = client_for(client, charlie).get(reverse("customers:print", args=[customer.pk])).content.decode()
    assert "李总" in html and "高尔夫" not in html and "工商银行上海分行" not in html
    assert 'id="print-personal"' not in html


def test_card_pages_hidden_from_integration_accounts(client, customer, integration_user):
    cl = client_for(client, integration_user)
    for name in ("detail", "print", "card_xlsx", "edit", "history"):
        assert cl.get(reverse(f"customers:{name}", args=[customer.pk])).status_code == 403, name
    assert cl.get(reverse("customers:classification")).status_code == 403


def test_card_xlsx(client, customer, alice, bob, charlie):
    customer.address = "=HYPERLINK(\"http://evil\")"
    customer.bank = "工商银行"
    customer.save()
    ContactFactory(customer=customer, name="王经理", home_address="某路1号")
    response = client_for(client, bob).get(reverse("customers:card_xlsx", args=[customer.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    card = book.worksheets[0]
    pairs = {row[0]: row[1] for row in card.iter_rows(values_only=True) if row and row[0]}
    assert pairs["full name"] == customer.name
    assert pairs["address"] == "'=HYPERLINK(\"http://evil\")"
    assert pairs["bank"] == "工商银行"
    contacts = list(book["Contacts"].iter_rows(values_only=True))
    assert contacts[1][0] == "王经理" and "某路1号" not in contacts[1]
    personal = list(book["Personal data"].iter_rows(values_only=True))
    assert personal[1][0] == "王经理" and "某路1号" in personal[1]
    log = AccessLog.objects.get(action="export")
    assert (log.user, log.customer) == (bob, customer)
    assert client_for(client, charlie).get(reverse("customers:card_xlsx", args=[customer.pk])).status_code == 404


def test_card_xlsx_hides_what_a_grantee_may_not_see(client, customer, charlie, dora):
    from customers.models import AccessGrant

    customer.bank = "工商银行"
    customer.save()
    ContactFactory(customer=customer, name="王经理", home_address="某路1号")
    AccessGrant.objects.create(customer=customer, user=charlie, granted_by=dora,
                               expires_at=timezone.now() + dt.timedelta(days=1))
    response = client_for(client, charlie).get(reverse("customers:card_xlsx", args=[customer.pk]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [v for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row]
    assert "工商银行" not in values and "某路1号" not in values and "王经理" in values


# --- Classification summary ------------------------------------------------------------------------

def test_classification_page_and_xlsx(client, alice, bob, charlie, east_team):
    south = Region.objects.get(name="华南")
    a = CustomerFactory(owner=alice, team=east_team, name="甲公司", region=south, ownership="private",
                        tier="A", credit_grade="B", phone="-1 555", address="=1+2")
    ContactFactory(customer=a, name="张三", is_primary=True, title="总经理", phone="-2 666")
    CustomerFactory(owner=alice, team=east_team, name="乙公司", region=south, is_active=False)
    CustomerFactory(owner=charlie, name="外部公司")
    cl = client_for(client, bob)
    response = cl.get(reverse("customers:classification"), {"group_by": "ownership"})
    assert response.status_code == 200
    assert [row["customer"].name for row in response.context["rows"]] == ["甲公司"]
    assert response.context["groups"][0]["label"] == "Private / individual"
    assert '<span title="Key-account tier">A</span> / <span title="Credit grade">B</span>' in response.content.decode()
    assert cl.get(reverse("customers:classification"), {"is_active": "false"}).context["rows"][0][
        "customer"].name == "乙公司"

    response = cl.get(reverse("customers:classification_xlsx"), {"region": "华南", "group_by": "region"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header_index = next(i for i, row in enumerate(rows) if row and row[0] == "No.")
    headers, data = rows[header_index], rows[header_index + 1:]
    assert len(data) == 1
    row = dict(zip(headers, data[0], strict=False))
    assert row["Code"] == a.code and row["Customer name"] == "甲公司" and row["Ownership"] == "Private / individual"
    assert row["Territory"] == "华南" and row["Customer grade (tier / credit)"] == "A / B"
    assert row["Main contact"] == "张三" and row["Job title"] == "总经理" and row["Owner"] == "alice"
    # 联系方式 is the phone of the contact beside it (form 1), formula-safe like every cell
    assert row["Contact's phone"] == "'-2 666" and row["Address"] == "'=1+2"
    assert book.worksheets[0]["A2"].value == "Filters" and "华南" in book.worksheets[0]["B2"].value
    assert list(book["Groups"].iter_rows(values_only=True))[1] == ("华南", 1)
    log = AccessLog.objects.get(action="export")
    assert log.user == bob and log.customer is None and "rows: 1" in log.detail and "region" in log.detail


def test_classification_outsider_sees_nothing(client, customer, charlie):
    response = client_for(client, charlie).get(reverse("customers:classification_xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert customer.name not in [v for row in book.worksheets[0].iter_rows(values_only=True) for v in row]


def test_classification_query_count_is_flat(client, bob, east_team, django_assert_max_num_queries):
    owner = UserFactory(username="eve", roles=["account_manager"], teams=[east_team])
    cl = client_for(client, bob)
    for batch in (5, 35):
        for c in CustomerFactory.create_batch(batch, owner=owner, team=east_team):
            ContactFactory(customer=c)
        # 19 + the one access-log row naming the page's archives + the user's grants, read as values
        with django_assert_max_num_queries(21):
            assert cl.get(reverse("customers:classification"), {"group_by": "stage"}).status_code == 200


# --- Yearly refresh --------------------------------------------------------------------------------

def _due(customer):
    Customer.objects.filter(pk=customer.pk).update(last_verified_on=timezone.localdate() - dt.timedelta(days=400))
    return RefreshTask.objects.create(customer=customer, owner=customer.owner, due_on=timezone.localdate())


def test_refresh_confirm_resets_date_and_closes_task(client, customer, alice, charlie):
    task = _due(customer)
    cl = client_for(client, alice)
    tasks_page = cl.get(reverse("customers:refresh_tasks"))
    assert [t.pk for t in tasks_page.context["mine"]] == [task.pk]
    assert client_for(client, charlie).post(reverse("customers:refresh", args=[customer.pk]),
                                            {"action": "confirm"}).status_code == 404
    cl = client_for(client, alice)
    response = cl.post(reverse("customers:refresh", args=[customer.pk]), {"action": "confirm", "note": "电话核实"})
    assert response.status_code == 302
    customer.refresh_from_db()
    task.refresh_from_db()
    assert customer.last_verified_on == timezone.localdate()
    assert task.status == "confirmed" and task.completed_by == alice and task.note == "电话核实"
    assert cl.get(reverse("customers:refresh_tasks")).context["mine"] == []


def test_refresh_correct_updates_the_card(client, customer, alice):
    task = _due(customer)
    cl = client_for(client, alice)
    data = {f"card-{k}": v for k, v in card_post(name=customer.name, address="新地址1号").items()}
    response = cl.post(reverse("customers:refresh", args=[customer.pk]), {**data, "action": "correct"})
    assert response.status_code == 302
    customer.refresh_from_db()
    task.refresh_from_db()
    assert customer.address == "新地址1号" and customer.last_verified_on == timezone.localdate()
    assert task.status == "corrected"


def test_refresh_correct_with_errors_changes_nothing(client, customer, alice):
    task = _due(customer)
    data = {f"card-{k}": v for k, v in card_post(name="", email="bad").items()}
    response = client_for(client, alice).post(reverse("customers:refresh", args=[customer.pk]),
                                              {**data, "action": "correct"})
    assert response.status_code == 200 and "name" in response.context["form"].errors
    task.refresh_from_db()
    assert task.status == "open"


def test_refresh_tasks_team_view_for_clerk(client, customer, bob):
    task = _due(customer)
    response = client_for(client, bob).get(reverse("customers:refresh_tasks"))
    assert [t.pk for t in response.context["others"]] == [task.pk]


# --- Home panels -----------------------------------------------------------------------------------

def test_home_shows_my_customers_panel(client, customer, alice):
    _due(customer)
    response = client_for(client, alice).get(reverse("home"))
    panel = next(p for p in response.context["panels"] if p["title"] == "My customers")
    assert [row["value"] for row in panel["rows"]] == [1, 1, 0]
