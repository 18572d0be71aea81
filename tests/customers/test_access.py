"""Confidentiality pages (SPEC §8): access requests by code without an existence oracle, decisions by
the owner's department head, time-limited grants, the access log and the change log."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.messages import get_messages
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from crm.models import Notification
from customers.card_sections import contact_update
from customers.models import AccessGrant, AccessLog, AccessRequest
from customers.selectors import customer_get_for_user
from customers.services import access_log_record, customer_update
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db

REQUEST_URL = "/customers/request-access/"


def login(client, user):
    client.logout()
    client.force_login(user)
    return client


def last_message(response) -> str:
    """The message this response added (earlier unread ones stay queued in the session)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


def ask(client, code: str, reason: str = "处理该客户的投诉需要查看联系人"):
    return client.post(REQUEST_URL, {"code": code, "reason": reason})


# --- Asking ------------------------------------------------------------------------------------

def test_request_by_code_is_neutral_and_reaches_the_department_head(client, customer, charlie, dora,
                                                                    django_capture_on_commit_callbacks):
    login(client, charlie)
    page = client.get(REQUEST_URL, {"code": customer.code})
    assert page.status_code == 200
    assert page.context["form"]["code"].value() == customer.code
    assert customer.name not in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        sent = ask(client, customer.code.lower())
    unknown = ask(client, "C9999999")
    assert sent.status_code == unknown.status_code == 302
    assert sent["Location"] == unknown["Location"] == reverse("customers:access_requests")
    assert last_message(sent) == last_message(unknown)
    assert "If this archive exists" in last_message(sent)

    # Both are recorded alike (issue 8: the "my requests" list must not tell which archive exists);
    # only the real one reaches a department head.
    request = AccessRequest.objects.get(customer=customer)
    assert (request.customer, request.requester, request.status) == (customer, charlie, "pending")
    phantom = AccessRequest.objects.get(customer__isnull=True)
    assert (phantom.requester, phantom.status, phantom.requested_as) == (charlie, "pending", "C9999999")
    assert Notification.objects.filter(recipient=dora, url=reverse("customers:access_requests")).count() == 1

    # The requester's list shows the code typed, never the name or owner of an archive they cannot read.
    mine = client.get(reverse("customers:access_requests")).content.decode()
    assert customer.code in mine
    assert customer.name not in mine and "alice" not in mine


def test_request_by_id_is_neutral_too(client, customer, charlie):
    login(client, charlie)
    url = reverse("customers:access_request_create", args=[customer.pk])
    page = client.get(url)
    assert page.status_code == 200 and customer.name not in page.content.decode()
    assert "code" not in page.context["form"].fields
    sent = client.post(url, {"reason": "需要"})
    missing = client.post(reverse("customers:access_request_create", args=[999999]), {"reason": "需要"})
    assert sent["Location"] == missing["Location"]
    assert last_message(sent) == last_message(missing)
    assert AccessRequest.objects.filter(customer=customer, requester=charlie).count() == 1


def test_second_pending_request_is_a_form_error(client, customer, charlie):
    login(client, charlie)
    ask(client, customer.code)
    response = ask(client, customer.code, "再次申请")
    assert response.status_code == 200
    assert "already asked" in " ".join(response.context["form"].non_field_errors())
    assert AccessRequest.objects.count() == 1


def test_missing_reason_is_a_field_error(client, customer, charlie):
    login(client, charlie)
    response = client.post(REQUEST_URL, {"code": customer.code, "reason": "   "})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert AccessRequest.objects.count() == 0


def test_a_reader_is_sent_to_the_card(client, customer, bob):
    login(client, bob)
    response = ask(client, customer.code)
    assert response.status_code == 302 and response["Location"].startswith(f"/customers/{customer.pk}/")
    assert AccessRequest.objects.count() == 0


# --- Deciding ----------------------------------------------------------------------------------

def _decide(client, access_request, decision, **extra):
    return client.post(reverse("customers:access_request_decide", args=[access_request.pk]),
                       {"decision": decision, **extra})


def test_head_grants_for_seven_days_then_access_expires(client, customer, charlie, dora):
    login(client, charlie)
    ask(client, customer.code)
    access_request = AccessRequest.objects.get()

    login(client, dora)
    page = client.get(reverse("customers:access_requests"))
    assert [r.pk for r in page.context["pending"]] == [access_request.pk]
    assert customer.name in page.content.decode()
    assert page.context["decision_form"]["days"].value() == 7

    before = timezone.now()
    response = _decide(client, access_request, "grant", days="7", comment="同意，限一周")
    assert response.status_code == 302
    access_request.refresh_from_db()
    assert (access_request.status, access_request.decided_by) == ("granted", dora)
    grant = AccessGrant.objects.get()
    assert (grant.user, grant.customer, grant.granted_by, grant.request) == (charlie, customer, dora, access_request)
    assert before + dt.timedelta(days=7) <= grant.expires_at <= timezone.now() + dt.timedelta(days=7)
    assert customer_get_for_user(charlie, customer.pk) == customer

    login(client, charlie)
    mine = client.get(reverse("customers:access_requests"))
    assert mine.context["mine"][0].current_grant == grant
    assert customer.name in mine.content.decode()  # readable now

    # Time moves on: the grant has expired and the archive is closed again.
    AccessGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(Http404):
        customer_get_for_user(charlie, customer.pk)
    assert customer.name not in client.get(reverse("customers:access_requests")).content.decode()


def test_refusal(client, customer, charlie, dora):
    login(client, charlie)
    ask(client, customer.code)
    access_request = AccessRequest.objects.get()
    login(client, dora)
    assert _decide(client, access_request, "refuse", comment="理由不充分").status_code == 302
    access_request.refresh_from_db()
    assert (access_request.status, access_request.decision_comment) == ("refused", "理由不充分")
    assert not AccessGrant.objects.exists()
    with pytest.raises(Http404):
        customer_get_for_user(charlie, customer.pk)
    # Deciding twice: told it has moved on, nothing changes.
    response = _decide(client, access_request, "grant")
    assert "already been decided" in last_message(response)
    assert not AccessGrant.objects.exists()
    # A refused requester may ask again.
    login(client, charlie)
    assert ask(client, customer.code, "补充理由").status_code == 302
    assert AccessRequest.objects.filter(status="pending").count() == 1


def test_only_the_owners_head_or_gm_decides(client, customer, charlie, bob, alice, gm, west_team):
    login(client, charlie)
    ask(client, customer.code)
    access_request = AccessRequest.objects.get()
    from tests.factories import UserFactory

    west_head = UserFactory(username="wendy", roles=["dept_head"], teams=[west_team])
    for user in (bob, alice, charlie, west_head):
        login(client, user)
        assert _decide(client, access_request, "grant").status_code == 404
        page = client.get(reverse("customers:access_requests"))
        assert page.status_code == 200 and access_request not in page.context.get("pending", [])
    access_request.refresh_from_db()
    assert access_request.status == "pending"
    login(client, gm)
    assert _decide(client, access_request, "grant", days="3").status_code == 302
    grant = AccessGrant.objects.get()
    assert dt.timedelta(days=2, hours=23) < grant.expires_at - timezone.now() <= dt.timedelta(days=3)


def test_bad_days_is_refused_without_change(client, customer, charlie, dora):
    login(client, charlie)
    ask(client, customer.code)
    access_request = AccessRequest.objects.get()
    login(client, dora)
    response = _decide(client, access_request, "grant", days="365")
    assert response.status_code == 302 and "90" in last_message(response)
    access_request.refresh_from_db()
    assert access_request.status == "pending" and not AccessGrant.objects.exists()


def test_head_revokes_a_grant(client, customer, charlie, dora, bob):
    grant = AccessGrant.objects.create(customer=customer, user=charlie, granted_by=dora,
                                       expires_at=timezone.now() + dt.timedelta(days=7))
    login(client, bob)
    assert client.post(reverse("customers:access_grant_revoke", args=[grant.pk])).status_code == 404
    login(client, dora)
    page = client.get(reverse("customers:access_requests"))
    assert [g.pk for g in page.context["grants"]] == [grant.pk]
    assert client.post(reverse("customers:access_grant_revoke", args=[grant.pk])).status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    with pytest.raises(Http404):
        customer_get_for_user(charlie, customer.pk)


# --- Access log --------------------------------------------------------------------------------

def test_access_log_is_for_gm_and_admins_only(client, customer, bob, dora, alice, gm, admin_user):
    for user in (bob, dora, alice):
        login(client, user)
        assert client.get(reverse("customers:access_log")).status_code == 403  # README "Refusals"
        assert client.get(reverse("customers:access_log"), {"export": "csv"}).status_code == 403
    for user in (gm, admin_user):
        login(client, user)
        assert client.get(reverse("customers:access_log")).status_code == 200


def test_access_log_filters_pages_and_csv(client, customer, bob, charlie, gm, django_assert_max_num_queries):
    other = CustomerFactory(owner=charlie)
    for _ in range(60):
        access_log_record(user=bob, action=AccessLog.Action.READ, channel=AccessLog.Channel.WEB, customer=customer)
    access_log_record(user=charlie, action=AccessLog.Action.EXPORT, channel=AccessLog.Channel.API, customer=other,
                      detail="客户列表导出")
    old = access_log_record(user=bob, action=AccessLog.Action.PRINT, channel=AccessLog.Channel.WEB, customer=customer)
    AccessLog.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=40))
    login(client, gm)
    url = reverse("customers:access_log")
    with django_assert_max_num_queries(10):
        page = client.get(url)
    assert page.context["page_obj"].paginator.count == 62
    assert len(page.context["page_obj"].object_list) == 50
    assert page.context["page_obj"].paginator.count == 62
    assert client.get(url, {"user": charlie.pk}).context["page_obj"].paginator.count == 1
    assert client.get(url, {"code": other.code.lower()}).context["page_obj"].paginator.count == 1
    assert client.get(url, {"action": "print"}).context["page_obj"].paginator.count == 1
    assert client.get(url, {"channel": "api"}).context["page_obj"].paginator.count == 1
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    assert client.get(url, {"date_from": since}).context["page_obj"].paginator.count == 61
    until = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    assert client.get(url, {"date_to": until}).context["page_obj"].paginator.count == 1
    bad = client.get(url, {"date_from": "2024-05-02", "date_to": "2024-05-01"})
    assert bad.status_code == 200 and "date_to" in bad.context["filters"].errors

    response = client.get(url, {"channel": "api", "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["At", "User", "Customer code"]
    assert len(rows) == 2 and rows[1][1:4] == ["charlie", other.code, other.name] and rows[1][-1] == "客户列表导出"
    export = AccessLog.objects.filter(user=gm, action=AccessLog.Action.EXPORT).get()
    assert "channel=api" in export.detail


# --- Change log --------------------------------------------------------------------------------

def test_change_log_shows_before_and_after(client, customer, alice, bob, gm):
    customer_update(customer=customer, user=alice, address="上海市浦东新区新地址88号")
    contact = ContactFactory(customer=customer, name="赵主任", title="主任")
    contact_update(contact=contact, user=bob, title="副总经理")
    login(client, bob)
    assert client.get(reverse("customers:change_log")).status_code == 403  # README "Refusals"
    login(client, gm)
    page = client.get(reverse("customers:change_log"))
    assert page.status_code == 200
    entries = page.context["entries"]
    address = next(e for e in entries if any(c["label"] == "address" for c in e["changes"]))
    change = next(c for c in address["changes"] if c["label"] == "address")
    assert change["after"] == "上海市浦东新区新地址88号"
    assert change["before"] == "—"
    assert address["record"].history_user == alice and address["code"] == customer.code
    title = next(e for e in entries if e["name"] == "赵主任" and e["changes"])
    assert [(c["label"], c["before"], c["after"]) for c in title["changes"]] == [("title", "主任", "副总经理")]
    assert title["record"].history_user == bob
    html = page.content.decode()
    assert "上海市浦东新区新地址88号" in html and "副总经理" in html

    only_contacts = client.get(reverse("customers:change_log"), {"kind": "contact"}).context["entries"]
    assert {e["name"] for e in only_contacts} == {"赵主任"}
    by_alice = client.get(reverse("customers:change_log"), {"user": alice.pk}).context["entries"]
    assert all(e["record"].history_user == alice for e in by_alice) and by_alice
    other = client.get(reverse("customers:change_log"), {"code": "C7777777"}).context["entries"]
    assert other == []


def test_change_log_pages_through_both_histories(client, customer, alice, gm):
    for n in range(30):
        customer_update(customer=customer, user=alice, phone=f"021-5555{n:04d}")
    ContactFactory(customer=customer, name="新联系人")
    login(client, gm)
    first = client.get(reverse("customers:change_log"))
    assert first.context["page_obj"].paginator.count == 32  # created + 30 edits + the contact
    assert len(first.context["entries"]) == 25
    assert first.context["entries"][0]["name"] == "新联系人"
    second = client.get(reverse("customers:change_log"), {"page": 2})
    assert len(second.context["entries"]) == 7
    assert second.context["entries"][-1]["record"].history_type == "+"


def test_home_panel_lists_pending_requests_for_the_head(client, customer, charlie, dora, bob):
    login(client, charlie)
    ask(client, customer.code)
    login(client, dora)
    home = client.get(reverse("home")).content.decode()
    assert "Access requests waiting for your decision" in home and customer.code in home
    login(client, bob)
    assert "Access requests waiting for your decision" not in client.get(reverse("home")).content.decode()
