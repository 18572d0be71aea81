"""The customers REST API (SPEC §9): archives, handover, contacts and business records, tried as
owner (alice), colleague (bob, clerk of her team), outsider (charlie → 404) and the narrow doors."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import Team
from customers.models import (
    AccessGrant,
    AccessLog,
    BusinessRecord,
    Contact,
    Customer,
    DataSource,
    Industry,
    OwnerChange,
    Region,
)
from tests.factories import (
    BusinessRecordFactory,
    ContactFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
    make_credit_code,
)

pytestmark = pytest.mark.django_db


CUSTOMERS = "/api/v1/customers/"
RECORDS = "/api/v1/business-records/"
BULK = "/api/v1/business-records/bulk/"
IDENTITY = {"id", "code", "name", "short_name", "credit_code", "address", "phone", "stage", "region", "industry",
            "is_active"}


def detail(customer, suffix=""):
    return f"{CUSTOMERS}{customer.pk}/{suffix}"


def grant(user, customer, days=7):
    return AccessGrant.objects.create(customer=customer, user=user, expires_at=timezone.now() + dt.timedelta(days=days))


@pytest.fixture
def erin(east_team):
    """Another account manager of alice's team: a possible new owner."""
    return UserFactory(username="erin", roles=["account_manager"], teams=[east_team])


# --- customers/ ----------------------------------------------------------------------------------

class TestCustomerReads:
    def test_list_shows_only_readable_archives(self, api_for, alice, bob, charlie, customer):
        other = CustomerFactory(owner=charlie)
        for user, expected in ((alice, {customer.pk}), (bob, {customer.pk}), (charlie, {other.pk})):
            body = api_for(user).get(CUSTOMERS).json()
            assert set(body) == {"count", "next", "previous", "results"}
            assert {row["id"] for row in body["results"]} == expected
            assert body["count"] == len(expected)

    def test_retrieve_as_owner_colleague_outsider(self, api_for, alice, bob, charlie, customer):
        response = api_for(alice).get(detail(customer))
        assert response.status_code == 200
        body = response.json()
        assert body["name"] == customer.name
        assert body["owner"] == alice.pk
        assert body["team"] == customer.team_id
        assert body["region"] == customer.region.name
        assert body["tier"] is None and body["credit_grade"] is None and body["annual_revenue_target"] is None
        assert isinstance(body["completeness"], int)
        assert "bank" in body
        assert not AccessLog.objects.exists()  # the owner's own reads are not logged

        assert api_for(bob).get(detail(customer)).status_code == 200
        log = AccessLog.objects.get()
        assert (log.user, log.customer, log.action, log.channel) == (bob, customer, "read", "api")

        response = api_for(charlie).get(detail(customer))
        assert response.status_code == 404
        assert AccessLog.objects.count() == 1

    def test_missing_and_malformed_ids_answer_404(self, api_for, alice):
        assert api_for(alice).get(f"{CUSTOMERS}999999/").status_code == 404
        assert api_for(alice).get(f"{CUSTOMERS}abc/").status_code == 404

    def test_filters(self, api_for, gm, alice, charlie):
        east, south = Region.objects.get(name="华东"), Region.objects.get(name="华南")
        chemicals = Industry.objects.get(name="化工")
        a = CustomerFactory(owner=alice, region=east, industry=chemicals, stage="prospect")
        b = CustomerFactory(owner=charlie, region=south, stage="customer")
        c = CustomerFactory(owner=charlie, region=east, stage="customer")
        Customer.objects.filter(pk=c.pk).update(tier="A", credit_grade="B")
        client = api_for(gm)

        def ids(query):
            response = client.get(CUSTOMERS + query)
            assert response.status_code == 200, response.json()
            return {row["id"] for row in response.json()["results"]}

        assert ids("?stage=prospect") == {a.pk}
        assert ids("?region=华东") == {a.pk, c.pk}
        assert ids("?industry=化工") == {a.pk}
        assert ids(f"?owner={charlie.pk}") == {b.pk, c.pk}
        assert ids("?tier=A") == {c.pk}
        assert ids("?credit_grade=B") == {c.pk}
        assert ids(f"?search={b.code}") == {b.pk}
        assert client.get(CUSTOMERS + "?stage=nonsense").status_code == 400

    def test_ordering(self, api_for, gm, alice):
        CustomerFactory(owner=alice, name="乙公司", name_normalized="乙公司")
        CustomerFactory(owner=alice, name="甲公司", name_normalized="甲公司")
        names = [row["name"] for row in api_for(gm).get(CUSTOMERS + "?ordering=-name").json()["results"]]
        assert names == sorted(names, reverse=True)

    def test_page_size_is_capped_at_200(self, api_for, gm, alice):
        region = Region.objects.first()
        Customer.objects.bulk_create([
            Customer(name=f"批量客户{i}", name_normalized=f"批量客户{i}", code=f"B{i:07d}", owner=alice, region=region)
            for i in range(205)
        ])
        body = api_for(gm).get(CUSTOMERS + "?page_size=500").json()
        assert body["count"] == 205
        assert len(body["results"]) == 200
        assert body["next"] is not None

    def test_list_query_count_is_flat(self, api_for, alice, east_team, django_assert_max_num_queries):
        client = api_for(alice)
        CustomerFactory.create_batch(5, owner=alice, team=east_team, industry=Industry.objects.first())
        client.get(CUSTOMERS)  # warm the per-user caches as a real request would
        with django_assert_max_num_queries(6):
            assert len(client.get(CUSTOMERS).json()["results"]) == 5
        CustomerFactory.create_batch(25, owner=alice, team=east_team, industry=Industry.objects.first())
        with django_assert_max_num_queries(6):
            assert len(client.get(CUSTOMERS).json()["results"]) == 30

    def test_retired_archives_leave_the_list_but_not_the_api(self, api_for, alice, customer):
        client = api_for(alice)
        response = client.post(detail(customer, "deactivate/"), {"reason": "公司已注销"}, format="json")
        assert response.status_code == 200
        assert response.json()["is_active"] is False
        assert client.get(CUSTOMERS).json()["count"] == 0
        assert [row["id"] for row in client.get(CUSTOMERS + "?is_active=false").json()["results"]] == [customer.pk]
        assert client.get(detail(customer)).status_code == 200
        assert client.post(detail(customer, "reactivate/"), format="json").json()["is_active"] is True

    def test_deactivate_needs_a_reason_and_the_right_to_edit(self, api_for, alice, charlie, credit_officer, customer):
        assert api_for(alice).post(detail(customer, "deactivate/"), {}, format="json").json().keys() >= {"reason"}
        assert api_for(credit_officer).post(detail(customer, "deactivate/"), {"reason": "x"},
                                            format="json").status_code == 403
        assert api_for(charlie).post(detail(customer, "deactivate/"), {"reason": "x"},
                                     format="json").status_code == 404
        customer.refresh_from_db()
        assert customer.is_active

    def test_delete_is_not_offered(self, api_for, alice, customer):
        assert api_for(alice).delete(detail(customer)).status_code == 405
        assert Customer.objects.filter(pk=customer.pk).exists()


class TestCustomerWrites:
    def test_create_defaults_the_owner_to_the_creator(self, api_for, alice, east_team):
        response = api_for(alice).post(CUSTOMERS, {
            "name": "宁波北仑港务物流有限公司", "region": "华东", "industry": "化工", "nature": "货代",
            "service_needs": ["transport", "warehousing", "transport"], "credit_code": make_credit_code(7),
            "bank": "中国银行",
        }, format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        customer = Customer.objects.get(pk=body["id"])
        assert customer.owner == alice and body["owner"] == alice.pk
        assert customer.team == east_team and body["team"] == east_team.pk
        assert body["code"] == customer.code == f"C{customer.pk:07d}"
        assert customer.region.name == "华东" and customer.industry.name == "化工"
        assert customer.service_needs == ["transport", "warehousing"]
        assert customer.bank == "中国银行"
        assert customer.created_by == alice
        assert customer.history.first().history_user == alice
        assert OwnerChange.objects.filter(customer=customer, to_user=alice, from_user=None).exists()

    def test_duplicate_answers_409_with_the_existing_archive(self, api_for, bob, customer):
        response = api_for(bob).post(CUSTOMERS, {"name": "上海东方远洋贸易 有限公司"}, format="json")
        assert response.status_code == 409
        body = response.json()
        assert body["existing"] == {"id": customer.pk, "code": customer.code, "name": customer.name}
        assert "name" in body and "detail" in body
        assert Customer.objects.count() == 1

    @pytest.mark.parametrize("payload, field", [
        ({"name": "甲公司", "credit_code": "91310000123456789X"}, "credit_code"),
        ({"name": "甲公司", "region": "火星"}, "region"),
        ({"name": "甲公司", "industry": "不存在的行业"}, "industry"),
        ({"name": "甲公司", "service_needs": ["teleportation"]}, "service_needs"),
        ({"name": "甲公司", "stage": "friend"}, "stage"),
        ({"name": ""}, "name"),
        ({"name": "甲公司", "email": "not-an-email"}, "email"),
        ({"name": "甲公司", "tier": "A"}, "tier"),
        ({"name": "甲公司", "credit_grade": "A"}, "credit_grade"),
    ])
    def test_bad_input_answers_400_naming_the_field(self, api_for, alice, payload, field):
        response = api_for(alice).post(CUSTOMERS, payload, format="json")
        assert response.status_code == 400
        assert field in response.json()
        assert not Customer.objects.exists()

    def test_route_must_belong_to_the_territory(self, api_for, alice):
        east, south = Region.objects.get(name="华东"), Region.objects.get(name="华南")
        route = south.routes.create(name="一号线")
        response = api_for(alice).post(CUSTOMERS, {"name": "甲公司", "region": east.name, "route": route.pk},
                                       format="json")
        assert response.status_code == 400 and "route" in response.json()

    def test_account_manager_files_for_herself_only(self, api_for, alice, bob, erin):
        response = api_for(alice).post(CUSTOMERS, {"name": "甲公司", "owner": erin.pk}, format="json")
        assert response.status_code == 400 and "owner" in response.json()
        response = api_for(bob).post(CUSTOMERS, {"name": "甲公司", "owner": erin.pk}, format="json")
        assert response.status_code == 201
        assert Customer.objects.get().owner == erin

    def test_credit_officer_and_club_office_do_not_file_archives(self, api_for, credit_officer):
        club = UserFactory(username="club", roles=["club_office"])
        assert api_for(credit_officer).post(CUSTOMERS, {"name": "甲公司"}, format="json").status_code == 403
        assert api_for(club).post(CUSTOMERS, {"name": "甲公司"}, format="json").status_code == 403

    def test_update_by_owner_and_colleague(self, api_for, alice, bob, customer):
        response = api_for(alice).patch(detail(customer), {"short_name": "东方远洋", "address": "上海市浦东新区"},
                                        format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["short_name"] == "东方远洋"
        customer.refresh_from_db()
        assert customer.address == "上海市浦东新区"
        record = customer.history.first()
        assert record.history_user == alice
        assert "Major change" in record.history_change_reason

        assert api_for(bob).patch(detail(customer), {"phone": "021-55550002"}, format="json").status_code == 200

    def test_update_as_outsider_reader_and_without_rights(self, api_for, charlie, credit_officer, customer):
        assert api_for(charlie).patch(detail(customer), {"short_name": "x"}, format="json").status_code == 404
        assert api_for(credit_officer).patch(detail(customer), {"short_name": "x"}, format="json").status_code == 403
        grant(charlie, customer)
        assert api_for(charlie).patch(detail(customer), {"short_name": "x"}, format="json").status_code == 403
        customer.refresh_from_db()
        assert customer.short_name != "x"

    def test_owner_changes_only_through_handover(self, api_for, alice, erin, customer):
        client = api_for(alice)
        response = client.patch(detail(customer), {"owner": erin.pk}, format="json")
        assert response.status_code == 400
        assert "handover" in response.json()["owner"][0]
        customer.refresh_from_db()
        assert customer.owner == alice
        # What a client read can be sent back unchanged.
        body = client.get(detail(customer)).json()
        body["short_name"] = "东方"
        response = client.put(detail(customer), body, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["short_name"] == "东方"

    @pytest.mark.parametrize("field, value", [("tier", "A"), ("credit_grade", "C"),
                                              ("annual_revenue_target", "5000000.00"), ("is_active", False),
                                              ("is_checked", False)])
    def test_workflow_fields_answer_400_when_changed(self, api_for, alice, customer, field, value):
        response = api_for(alice).patch(detail(customer), {field: value, "short_name": "改"}, format="json")
        assert response.status_code == 400
        assert field in response.json()
        customer.refresh_from_db()
        assert customer.short_name != "改"
        assert customer.tier is None and customer.credit_grade is None and customer.is_active

    def test_duplicate_rename_answers_409(self, api_for, alice, customer):
        other = CustomerFactory(owner=alice, name="杭州甲公司", name_normalized="杭州甲公司")
        response = api_for(alice).patch(detail(other), {"name": customer.name}, format="json")
        assert response.status_code == 409
        assert response.json()["existing"]["id"] == customer.pk

    def test_malformed_json_is_400(self, api_for, alice, customer):
        response = api_for(alice).generic("PATCH", detail(customer), '{"name": ', content_type="application/json")
        assert response.status_code == 400


class TestFinancialsAndIdentity:
    def test_financial_fields_follow_the_sensitivity_rule(self, api_for, alice, bob, charlie, credit_officer, customer):
        Customer.objects.filter(pk=customer.pk).update(bank="招商银行", bank_account="6225000011112222")
        grant(charlie, customer)
        for user, sees in ((alice, True), (bob, True), (credit_officer, True), (charlie, False)):
            body = api_for(user).get(detail(customer)).json()
            assert ("bank" in body) is sees, user
            assert ("bank_account" in body) is sees
            if sees:
                assert body["bank_account"] == "6225000011112222"
        listed = api_for(charlie).get(CUSTOMERS).json()["results"]
        assert [row["id"] for row in listed] == [customer.pk]
        assert "bank" not in listed[0] and "annual_revenue" not in listed[0]

    def test_financials_are_refused_from_who_may_not_see_them(self, api_for, charlie, gm, customer):
        # Charlie files an archive for himself: he sees and writes its financials.
        response = api_for(charlie).post(CUSTOMERS, {"name": "西部客户", "bank": "工商银行"}, format="json")
        assert response.status_code == 201
        assert response.json()["bank"] == "工商银行"

    def test_integration_user_sees_identity_fields_only(self, api_for, integration_user, customer):
        client = api_for(integration_user)
        listed = client.get(CUSTOMERS).json()["results"]
        assert [row["id"] for row in listed] == [customer.pk]
        assert set(listed[0]) == IDENTITY
        assert listed[0]["region"] == customer.region.name
        body = client.get(f"{CUSTOMERS}?search={customer.code}").json()["results"]
        assert [row["code"] for row in body] == [customer.code]
        assert set(client.get(detail(customer)).json()) == IDENTITY

    def test_integration_user_may_not_write_archives(self, api_for, integration_user, customer):
        client = api_for(integration_user)
        assert client.post(CUSTOMERS, {"name": "甲公司"}, format="json").status_code == 403
        assert client.patch(detail(customer), {"short_name": "x"}, format="json").status_code == 403
        assert client.post(detail(customer, "handover/"), {"to": 1, "reason": "x"}, format="json").status_code == 403
        assert client.get(detail(customer, "contacts/")).status_code == 403
        assert Customer.objects.count() == 1


class TestHandover:
    def test_clerk_hands_over(self, api_for, alice, bob, erin, customer):
        response = api_for(bob).post(detail(customer, "handover/"),
                                     {"to": erin.pk, "reason": "Alice moved to the West branch", "note": "合同在柜"},
                                     format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["owner"] == erin.pk
        change = OwnerChange.objects.get(customer=customer, from_user=alice)
        assert (change.to_user, change.changed_by, change.handover_note) == (erin, bob, "合同在柜")
        customer.refresh_from_db()
        assert customer.owner == erin

    def test_owner_account_manager_may_not_hand_over(self, api_for, alice, erin, customer):
        response = api_for(alice).post(detail(customer, "handover/"), {"to": erin.pk, "reason": "x"}, format="json")
        assert response.status_code == 403
        customer.refresh_from_db()
        assert customer.owner == alice

    def test_outsider_gets_404(self, api_for, charlie, erin, customer):
        response = api_for(charlie).post(detail(customer, "handover/"), {"to": erin.pk, "reason": "x"},
                                         format="json")
        assert response.status_code == 404

    @pytest.mark.parametrize("payload, field", [
        ({"to": 999999, "reason": "x"}, "to"),
        ({"to": "abc", "reason": "x"}, "to"),
        ({"reason": "x"}, "to"),
        ({"to": "ALICE", "reason": ""}, "reason"),
    ])
    def test_bad_input_names_the_field(self, api_for, bob, alice, customer, payload, field):
        if payload.get("to") == "ALICE":
            payload = {**payload, "to": alice.pk}
        response = api_for(bob).post(detail(customer, "handover/"), payload, format="json")
        assert response.status_code == 400
        assert field in response.json()
        assert OwnerChange.objects.filter(customer=customer).count() == 0

    def test_unsuitable_new_owner_is_400_on_to(self, api_for, bob, credit_officer, customer):
        response = api_for(bob).post(detail(customer, "handover/"), {"to": credit_officer.pk, "reason": "x"},
                                     format="json")
        assert response.status_code == 400 and "to" in response.json()


# --- contacts ------------------------------------------------------------------------------------

class TestContacts:
    def url(self, customer, contact=None):
        return detail(customer, "contacts/") + (f"{contact.pk}/" if contact else "")

    def test_list_with_and_without_sensitive_fields(self, api_for, alice, bob, credit_officer, charlie, customer):
        contact = ContactFactory(customer=customer, name="王经理")
        ContactFactory(customer=customer, name="离职的人", is_active=False)
        body = api_for(alice).get(self.url(customer)).json()
        assert [row["name"] for row in body["results"]] == ["王经理"]
        assert body["results"][0]["birth_date"] == "1980-05-01"
        assert body["results"][0]["hobbies"] == "钓鱼"
        assert api_for(bob).get(self.url(customer, contact)).json()["home_address"] == contact.home_address

        hidden = api_for(credit_officer).get(self.url(customer, contact)).json()
        assert hidden["name"] == "王经理" and hidden["phone"] == contact.phone
        assert not set(Contact.SENSITIVE_FIELDS) & set(hidden)
        assert AccessLog.objects.filter(user=credit_officer, customer=customer, channel="api").exists()

        assert api_for(charlie).get(self.url(customer)).status_code == 404
        assert api_for(charlie).get(self.url(customer, contact)).status_code == 404

    def test_contact_of_another_customer_is_404(self, api_for, alice, customer):
        stranger = ContactFactory()
        assert api_for(alice).get(self.url(customer, stranger)).status_code == 404

    def test_create_update_and_retire(self, api_for, alice, customer):
        client = api_for(alice)
        response = client.post(self.url(customer), {"name": "李主任", "phone": "021-1234", "birth_date": "1975-03-02",
                                                    "is_decision_maker": True}, format="json")
        assert response.status_code == 201, response.json()
        contact = Contact.objects.get(pk=response.json()["id"])
        assert contact.customer == customer and contact.birth_date == dt.date(1975, 3, 2)
        assert contact.history.first().history_user == alice

        response = client.patch(self.url(customer, contact), {"title": "物流部主任"}, format="json")
        assert response.status_code == 200 and response.json()["title"] == "物流部主任"

        assert client.delete(self.url(customer, contact)).status_code == 204
        contact.refresh_from_db()
        assert contact.is_active is False
        assert client.get(self.url(customer)).json()["count"] == 0
        assert client.get(self.url(customer) + "?include_inactive=1").json()["count"] == 1

    def test_bad_contact_input_is_400(self, api_for, alice, customer):
        response = api_for(alice).post(self.url(customer), {"name": "", "email": "x"}, format="json")
        assert response.status_code == 400
        assert {"name", "email"} <= set(response.json())

    def test_writes_need_the_right_to_edit(self, api_for, credit_officer, charlie, customer):
        contact = ContactFactory(customer=customer)
        assert api_for(credit_officer).post(self.url(customer), {"name": "x"}, format="json").status_code == 403
        assert api_for(credit_officer).patch(self.url(customer, contact), {"name": "x"},
                                             format="json").status_code == 403
        assert api_for(credit_officer).delete(self.url(customer, contact)).status_code == 403
        assert api_for(charlie).post(self.url(customer), {"name": "x"}, format="json").status_code == 404
        contact.refresh_from_db()
        assert contact.is_active and contact.name != "x"


# --- business-records/ -----------------------------------------------------------------------------

def record(external_id, **fields):
    today = timezone.localdate()
    return {"external_id": external_id, "date": (today - dt.timedelta(days=5)).isoformat(),
            "service_type": "transport.sea", "amount": "12000.00",
            "due_date": (today + dt.timedelta(days=25)).isoformat(), **fields}


@pytest.fixture
def integration_team(db):
    team = TeamFactory(name="客服部")
    clerk = UserFactory(username="queue_clerk", roles=["clerk"], teams=[team])
    return team, clerk


class TestBulk:
    def test_created_then_idempotent_update(self, api_for, integration_user, customer):
        client = api_for(integration_user)
        payload = [record(f"FR-{i}", customer_code=customer.code, amount=f"{1000 + i}.50") for i in range(3)]
        response = client.post(BULK, payload, format="json")
        assert response.status_code == 201, response.json()
        assert response.json() == {"created": 3, "updated": 0, "new_customers": []}
        assert sorted(BusinessRecord.objects.values_list("amount", flat=True)) == [
            Decimal("1000.50"), Decimal("1001.50"), Decimal("1002.50")]

        response = client.post(BULK, payload, format="json")
        assert response.status_code == 200
        assert response.json() == {"created": 0, "updated": 3, "new_customers": []}
        assert BusinessRecord.objects.count() == 3

        payload[0]["paid_amount"] = "1000.50"
        payload[0]["paid_date"] = timezone.localdate().isoformat()
        assert client.post(BULK, payload, format="json").json()["updated"] == 3
        assert BusinessRecord.objects.get(external_id="FR-0").open_amount == Decimal("0")

    def test_customer_by_id_code_or_name(self, api_for, integration_user, customer):
        payload = [record("A", customer=customer.pk), record("B", customer_code=customer.code.lower()),
                   record("C", customer_name="上海东方远洋贸易（有限公司）")]
        response = api_for(integration_user).post(BULK, payload, format="json")
        assert response.status_code == 201, response.json()
        assert set(BusinessRecord.objects.values_list("customer_id", flat=True)) == {customer.pk}
        assert Customer.objects.count() == 1

    def test_all_or_nothing_with_every_error_listed(self, api_for, integration_user, customer):
        payload = [
            record("OK-1", customer_code=customer.code),
            record("BAD-1", customer_code=customer.code, amount="100", paid_amount="150"),
            record("OK-2", customer_code=customer.code),
            record("BAD-2", customer_code="C9999999", service_type="teleport", date="2026-02-30"),
        ]
        response = api_for(integration_user).post(BULK, payload, format="json")
        assert response.status_code == 400
        body = response.json()
        assert "detail" in body
        found = {(error["index"], error["field"]) for error in body["errors"]}
        assert found == {(1, "paid_amount"), (3, "customer_code"), (3, "service_type"), (3, "date")}
        assert all(error["message"] for error in body["errors"])
        assert BusinessRecord.objects.count() == 0

    @pytest.mark.parametrize("fields, field", [
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": None}, "amount"),
        ({"date": "yesterday"}, "date"),
        ({"due_date": ""}, "due_date"),
        ({"service_type": "trucking"}, "service_type"),
        ({"service_type": "transport."}, "service_type"),
        ({"paid_amount": "10", "paid_date": "2000-01-01"}, "paid_date"),
        ({"external_id": ""}, "external_id"),
        ({"external_id": "x" * 65}, "external_id"),
        ({"volume": True}, "volume"),
    ])
    def test_rules(self, api_for, integration_user, customer, fields, field):
        payload = [{**record("R-1", customer_code=customer.code), **fields}]
        response = api_for(integration_user).post(BULK, payload, format="json")
        assert response.status_code == 400
        assert [error["field"] for error in response.json()["errors"]] == [field]
        assert BusinessRecord.objects.count() == 0

    def test_finer_service_types_and_numbers_as_json_numbers(self, api_for, integration_user, customer):
        payload = [record("N-1", customer_code=customer.code, amount=12000.5, volume=3.3000000000000003,
                          service_type="Customs.Inspection", unit_price=960, paid_amount=0)]
        response = api_for(integration_user).post(BULK, payload, format="json")
        assert response.status_code == 201, response.json()
        saved = BusinessRecord.objects.get()
        assert (saved.amount, saved.volume, saved.unit_price) == (Decimal("12000.50"), Decimal("3.300"),
                                                                  Decimal("960"))
        assert saved.service_type == "customs.inspection"

    def test_record_without_customer_and_duplicate_ids(self, api_for, integration_user, customer):
        payload = [record("D-1", customer_code=customer.code), record("D-1", customer_code=customer.code),
                   record("D-2")]
        errors = api_for(integration_user).post(BULK, payload, format="json").json()["errors"]
        assert {(e["index"], e["field"]) for e in errors} == {(1, "external_id"), (2, "customer")}

    def test_unknown_name_files_one_unchecked_customer_in_the_integration_team(
            self, api_for, integration_user, integration_team, customer):
        team, queue_clerk = integration_team
        payload = [record(f"NEW-{i}", customer_name="深圳前海新客户供应链有限公司") for i in range(3)]
        payload.append(record("NEW-3", customer_name="深圳前海新客户供应链 有限公司"))  # the same, typed differently
        response = api_for(integration_user).post(BULK, payload, format="json")
        assert response.status_code == 201, response.json()
        new = Customer.objects.get(name="深圳前海新客户供应链有限公司")
        assert response.json()["new_customers"] == [{"id": new.pk, "code": new.code, "name": new.name}]
        assert (new.stage, new.source, new.is_checked) == ("customer", DataSource.FREIGHT_SYSTEM, False)
        assert (new.team, new.owner) == (team, queue_clerk)
        assert new.first_trade_on == dt.date.fromisoformat(payload[0]["date"])
        assert new.business_records.count() == 4

        response = api_for(integration_user).post(BULK, payload, format="json")
        assert response.status_code == 200
        assert response.json() == {"created": 0, "updated": 4, "new_customers": []}
        assert Customer.objects.filter(name_normalized=new.name_normalized).count() == 1

    def test_integration_team_is_created_when_missing(self, api_for, integration_user, settings):
        settings.CRM = {**settings.CRM, "INTEGRATION_TEAM": "Freight desk"}
        response = api_for(integration_user).post(BULK, [record("X-1", customer_name="新客户甲")], format="json")
        assert response.status_code == 201
        new = Customer.objects.get(name="新客户甲")
        assert new.team == Team.objects.get(name="Freight desk")
        assert new.owner == integration_user  # the team has neither head nor clerk

    def test_too_many_records_and_wrong_shapes(self, api_for, integration_user):
        client = api_for(integration_user)
        response = client.post(BULK, [{}] * 5001, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["index"] is None
        assert client.post(BULK, {"external_id": "x"}, format="json").status_code == 400
        assert client.post(BULK, "[1, 2", content_type="application/json").status_code == 400
        response = client.post(BULK, [1, "x"], format="json")
        assert response.status_code == 400
        assert [e["index"] for e in response.json()["errors"]] == [0, 1]
        assert client.post(BULK, [], format="json").json() == {"created": 0, "updated": 0, "new_customers": []}

    def test_who_may_write(self, api_for, alice, credit_officer, bob, dora, gm, admin_user, customer):
        assert api_for(alice).post(BULK, [record("W-0", customer_code=customer.code)],
                                   format="json").status_code == 403
        assert api_for(credit_officer).post(BULK, [record("W-0", customer_code=customer.code)],
                                            format="json").status_code == 403
        # The IT admin writes no archive data (SPEC §8).
        assert api_for(admin_user).post(BULK, [record("W-9", customer_code=customer.code)],
                                        format="json").status_code == 403
        for index, user in enumerate((bob, dora, gm), start=1):
            response = api_for(user).post(BULK, [record(f"W-{index}", customer_code=customer.code)], format="json")
            assert response.status_code == 201, (user, response.json())
        assert BusinessRecord.objects.count() == 3

    def test_clerk_may_not_write_for_customers_she_may_not_read(self, api_for, bob, charlie):
        western = CustomerFactory(owner=charlie)
        stored = BusinessRecordFactory(customer=western, external_id="WEST-1")
        client = api_for(bob)
        for payload, field in (([record("W-1", customer=western.pk)], "customer"),
                               ([record("W-2", customer_code=western.code)], "customer_code"),
                               ([record("W-3", customer_name=western.name)], "customer_name"),
                               ([record("WEST-1", paid_amount="1")], "external_id")):
            response = client.post(BULK, payload, format="json")
            assert response.status_code == 400
            assert response.json()["errors"][0]["field"] == field
        stored.refresh_from_db()
        assert stored.paid_amount == 0 and BusinessRecord.objects.count() == 1

    def test_partial_update_keeps_what_is_left_out(self, api_for, integration_user, customer):
        client = api_for(integration_user)
        client.post(BULK, [record("P-1", customer_code=customer.code, cost="800", goods="钢材")], format="json")
        response = client.post(BULK, [{"external_id": "P-1", "paid_amount": "5000",
                                       "paid_date": timezone.localdate().isoformat(), "cost": None}], format="json")
        assert response.status_code == 200, response.json()
        saved = BusinessRecord.objects.get()
        assert (saved.paid_amount, saved.goods, saved.cost, saved.amount) == (Decimal("5000"), "钢材", None,
                                                                              Decimal("12000"))
        response = client.post(BULK, [{"external_id": "P-1", "paid_amount": "20000"}], format="json")
        assert response.json()["errors"][0]["field"] == "paid_amount"

    def test_query_count_is_bounded(self, api_for, integration_user, customer, django_assert_max_num_queries):
        client = api_for(integration_user)
        others = CustomerFactory.create_batch(10, owner=customer.owner)
        payload = [record(f"Q-{i}", customer_code=others[i % 10].code) for i in range(200)]
        client.post(BULK, [record("warm", customer_code=customer.code)], format="json")
        with django_assert_max_num_queries(15):
            assert client.post(BULK, payload, format="json").status_code == 201
        for item in payload:
            item["paid_amount"] = "100"
        with django_assert_max_num_queries(15):
            assert client.post(BULK, payload, format="json").json()["updated"] == 200
        assert BusinessRecord.objects.filter(paid_amount=100).count() == 200


class TestBusinessRecordEndpoints:
    def test_list_as_owner_colleague_outsider(self, api_for, alice, bob, charlie, customer):
        mine = BusinessRecordFactory(customer=customer)
        BusinessRecordFactory(customer=CustomerFactory(owner=charlie))
        for user, expected in ((alice, {mine.pk}), (bob, {mine.pk})):
            assert {row["id"] for row in api_for(user).get(RECORDS).json()["results"]} == expected
        assert mine.pk not in {row["id"] for row in api_for(charlie).get(RECORDS).json()["results"]}
        assert api_for(charlie).get(f"{RECORDS}{mine.pk}/").status_code == 404
        body = api_for(alice).get(f"{RECORDS}{mine.pk}/").json()
        assert body["customer"] == customer.pk and body["customer_code"] == customer.code
        assert body["open_amount"] == "10000.00"

    def test_filters_and_ordering(self, api_for, gm, customer):
        today = timezone.localdate()
        old = BusinessRecordFactory(customer=customer, date=today - dt.timedelta(days=100), amount=5,
                                    service_type="warehousing")
        sea = BusinessRecordFactory(customer=customer, date=today - dt.timedelta(days=10), amount=50,
                                    service_type="transport.sea")
        road = BusinessRecordFactory(customer=customer, date=today - dt.timedelta(days=5), amount=20,
                                     service_type="transport")
        other = BusinessRecordFactory(service_type="transportation")
        client = api_for(gm)

        def ids(query):
            response = client.get(RECORDS + query)
            assert response.status_code == 200, response.json()
            return [row["id"] for row in response.json()["results"]]

        assert set(ids(f"?customer={customer.pk}")) == {old.pk, sea.pk, road.pk}
        assert set(ids("?service_type=transport")) == {sea.pk, road.pk}
        assert ids(f"?date_from={(today - dt.timedelta(days=30)).isoformat()}&customer={customer.pk}") == [road.pk,
                                                                                                           sea.pk]
        assert ids(f"?date_to={(today - dt.timedelta(days=50)).isoformat()}") == [old.pk]
        assert ids(f"?external_id={other.external_id}") == [other.pk]
        assert ids(f"?ordering=-amount&customer={customer.pk}") == [sea.pk, road.pk, old.pk]
        assert client.get(RECORDS + "?date_from=notadate").status_code == 400

    def test_single_create_and_update(self, api_for, bob, customer):
        client = api_for(bob)
        response = client.post(RECORDS, record("S-1", customer=customer.pk, unit_price="980",
                                               contract_unit_price="1000"), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["price_deviation"] == "-2.00"
        response = client.post(RECORDS, record("S-1", customer=customer.pk), format="json")
        assert response.status_code == 400 and "external_id" in response.json()
        response = client.patch(f"{RECORDS}{body['id']}/", {"paid_amount": "99999"}, format="json")
        assert response.status_code == 400 and "paid_amount" in response.json()
        response = client.patch(f"{RECORDS}{body['id']}/", {"paid_amount": "2000", "paid_date": body["date"]},
                                format="json")
        assert response.status_code == 200 and response.json()["open_amount"] == "10000.00"
        assert client.post(RECORDS, {"customer": customer.pk}, format="json").json().keys() >= {
            "date", "service_type", "amount", "due_date"}

    def test_single_writes_by_readers_only(self, api_for, alice, charlie, customer):
        stored = BusinessRecordFactory(customer=customer)
        assert api_for(alice).patch(f"{RECORDS}{stored.pk}/", {"amount": "1"}, format="json").status_code == 403
        assert api_for(alice).post(RECORDS, record("Z", customer=customer.pk), format="json").status_code == 403
        clerk = UserFactory(username="west_clerk", roles=["clerk"], teams=[TeamFactory(name="West branch")])
        assert api_for(clerk).patch(f"{RECORDS}{stored.pk}/", {"amount": "1"}, format="json").status_code == 404
        stored.refresh_from_db()
        assert stored.amount == Decimal("10000.00")


def test_schema_documents_bulk_and_handover(api_for, alice):
    response = api_for(alice).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/business-records/bulk/", "/api/v1/customers/{id}/handover/",
            "/api/v1/customers/{customer_pk}/contacts/"} <= set(paths)
    bulk = paths["/api/v1/business-records/bulk/"]["post"]
    assert {"200", "201", "400"} <= set(bulk["responses"])


# --- the contract's filters and shapes (issue 6 item 7) --------------------------------------------

class TestContractFilters:
    @pytest.fixture
    def two(self, alice, east_team, customer):
        other = CustomerFactory(owner=alice, team=east_team, name="上海东方远洋物流有限公司", code=customer.code + "7")
        return customer, other

    def test_code_filter_is_exact(self, api_for, alice, two):
        customer, other = two
        results = api_for(alice).get(CUSTOMERS, {"code": customer.code}).json()["results"]
        assert [row["id"] for row in results] == [customer.pk]
        assert api_for(alice).get(CUSTOMERS, {"code": customer.code[:-1]}).json()["count"] == 0

    def test_integration_user_looks_up_by_code(self, api_for, integration_user, two):
        customer, other = two
        response = api_for(integration_user).get(CUSTOMERS, {"code": other.code})
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 1
        assert set(body["results"][0]) == IDENTITY and body["results"][0]["code"] == other.code

    @pytest.mark.parametrize("value", ["1.5", "abc", "0", str(2**63)])
    def test_id_filters_take_whole_numbers_only(self, api_for, alice, customer, value):
        for url, name in ((CUSTOMERS, "owner"), (CUSTOMERS, "team"), (CUSTOMERS, "route"), (RECORDS, "customer")):
            response = api_for(alice).get(url, {name: value})
            assert response.status_code == 400, (url, name, value)
            assert name in response.json()

    def test_id_filters_filter(self, api_for, alice, bob, customer):
        assert api_for(bob).get(CUSTOMERS, {"owner": alice.pk}).json()["count"] == 1
        assert api_for(bob).get(CUSTOMERS, {"owner": bob.pk}).json()["count"] == 0
        BusinessRecordFactory(customer=customer)
        assert api_for(bob).get(RECORDS, {"customer": customer.pk}).json()["count"] == 1

    def test_business_record_shows_its_service_category(self, api_for, integration_user, bob, customer):
        response = api_for(integration_user).post(BULK, [record("SC-1", customer=customer.pk)], format="json")
        assert response.status_code == 201
        row = api_for(bob).get(RECORDS, {"external_id": "SC-1"}).json()["results"][0]
        assert (row["service_type"], row["service_category"]) == ("transport.sea", "transport")

    def test_a_list_of_messages_comes_with_a_text_detail(self, api_for, integration_user):
        response = api_for(integration_user).post(BULK, {"not": "a list"}, format="json")
        assert response.status_code == 400
        body = response.json()
        assert isinstance(body["detail"], str) and body["errors"][0]["index"] is None
