"""Access requests on the workflow kit (issue 8): every answer the same whether or not the archive exists,
one open request per target kept by the database (two simultaneous requests on PostgreSQL), the request
offered from the filing form's duplicate warning, revocation confirmed and notified, the grant's banner on
the card, withdrawal, and the request page's timeline."""

import datetime as dt
import re

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.models import Notification
from customers.access_requests import (
    ACCESS_FLOW,
    access_request_create,
    access_request_decide,
    target_by_code,
    target_by_id,
    target_by_match,
)
from customers.models import AccessGrant, AccessRequest, AccessRequestLog
from tests.concurrency import at_once
from tests.conftest import needs_postgres
from tests.factories import CustomerFactory, UserFactory


@pytest.fixture
def role_groups(transactional_db):
    """Transactional tests flush the tables, the role groups of the data migration included."""
    from django.contrib.auth.models import Group

    from crm.roles import Role

    for role in Role.values:
        Group.objects.get_or_create(name=role)


REQUEST_URL = "/customers/request-access/"
MINE_URL = "/customers/access-requests/"


def login(client, user):
    client.logout()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _scrub(html: str, *words: str) -> str:
    """The page with the request-specific bits (ids, times, csrf tokens, the typed code) blanked."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    html = re.sub(r'nonce="[^"]+"', "", html)
    html = re.sub(r'datetime="[^"]+"', "", html)
    html = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "T", html)
    html = re.sub(r"(mine-|access-requests/|withdraw-)\d+", r"\1N", html)
    for word in words:
        html = html.replace(word, "W")
    return html


# --- The same answers, archive or not ------------------------------------------------------------------

@pytest.mark.django_db
def test_by_code_the_list_row_and_the_second_answer_do_not_tell_existence(client, customer, charlie):
    """Asked for a real code and for a made-up one, charlie's pages are the same but for the code typed."""
    ghost = "C7777777"
    pages = {}
    for code in (customer.code, ghost):
        AccessRequest.objects.all().delete()
        login(client, charlie)
        first = client.post(REQUEST_URL, {"code": code, "reason": "投诉"})
        second = client.post(REQUEST_URL, {"code": code, "reason": "再次"})
        assert (first.status_code, second.status_code) == (302, 200)
        assert messages_of(first)[-1].startswith("If this archive exists")
        assert second.context["form"].non_field_errors() == [
            "You have already asked for access to this archive; wait for the decision."]
        mine = client.get(MINE_URL)
        assert [item.requested_as for item in mine.context["mine"]] == [code]
        pages[code] = _scrub(mine.content.decode(), code)
        detail = client.get(reverse("customers:access_request_detail", args=[mine.context["mine"][0].pk]))
        assert detail.status_code == 200
        pages[code] += _scrub(detail.content.decode(), code)
    assert pages[customer.code] == pages[ghost]
    assert customer.name not in pages[customer.code] and "alice" not in pages[customer.code]


@pytest.mark.django_db
def test_by_id_the_requester_never_sees_the_code(client, customer, charlie):
    login(client, charlie)
    for pk in (customer.pk, 987654):
        response = client.post(reverse("customers:access_request_create", args=[pk]), {"reason": "需要"})
        assert response.status_code == 302
    again = client.post(reverse("customers:access_request_create", args=[987654]), {"reason": "需要"})
    assert "already asked" in " ".join(again.context["form"].non_field_errors())
    mine = client.get(MINE_URL)
    assert sorted(item.requested_as for item in mine.context["mine"]) == sorted([f"#{customer.pk}", "#987654"])
    html = mine.content.decode()
    assert customer.code not in html and customer.name not in html
    real = AccessRequest.objects.get(customer=customer)
    assert customer.code not in client.get(reverse("customers:access_request_detail", args=[real.pk])).content.decode()


@pytest.mark.django_db
def test_a_request_for_nothing_reaches_nobody_and_no_decider_lists_it(client, customer, charlie, dora, gm,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ghost = access_request_create(user=charlie, reason="x", target=target_by_code("c0000000x"))
    assert (ghost.customer, ghost.requested_as, ghost.target_key) == (None, "C0000000X", "code:C0000000X")
    assert not Notification.objects.exists()
    for head in (dora, gm):
        page = login(client, head).get(MINE_URL)
        assert ghost not in page.context["pending"]
        assert client.get(reverse("customers:access_request_detail", args=[ghost.pk])).status_code == 404
    # The requester may withdraw it like any other.
    login(client, charlie)
    response = client.post(reverse("customers:access_request_withdraw", args=[ghost.pk]))
    assert response.status_code == 302
    ghost.refresh_from_db()
    assert ghost.status == "withdrawn"
    assert [s.action for s in ghost.log.all()] == ["request", "withdraw"]


@pytest.mark.django_db
def test_the_head_sees_the_archive_and_decides_from_the_request_page(client, customer, charlie, dora,
                                                                     django_capture_on_commit_callbacks):
    access_request = access_request_create(user=charlie, reason="投诉处理", target=target_by_id(customer.pk))
    login(client, dora)
    detail_url = reverse("customers:access_request_detail", args=[access_request.pk])
    page = client.get(detail_url)
    html = page.content.decode()
    assert customer.code in html and customer.name in html
    assert page.context["actions"] == {"grant", "refuse"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customers:access_request_decide", args=[access_request.pk]),
                               {"decision": "grant", "days": "2", "comment": "限两天", "next": detail_url})
    assert response["Location"] == detail_url
    page = client.get(detail_url)
    assert [(t["action"], t["to_state"]) for t in page.context["timeline"]] == [("request", "pending"),
                                                                                ("grant", "granted")]
    assert "限两天" in page.content.decode() and 'id="timeline"' in page.content.decode()
    notice = Notification.objects.get(recipient=charlie)
    assert notice.title == f"Access granted to {customer.name} for 2 days"
    # Who neither asked nor decides: no such request.
    assert login(client, UserFactory(username="eve", roles=["clerk"])).get(detail_url).status_code == 404


@pytest.mark.django_db
def test_the_timeline_speaks_chinese(client, customer, charlie, dora):
    access_request = access_request_create(user=charlie, reason="需要", target=target_by_code(customer.code))
    access_request_decide(access_request=access_request, user=dora, grant=False, comment="不同意")
    charlie.language = "zh-hans"
    charlie.save()
    login(client, charlie)
    html = client.get(reverse("customers:access_request_detail", args=[access_request.pk]),
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    timeline = html[html.index('id="timeline"'):]
    assert "拒绝" in timeline and "不同意" in timeline
    assert "Refuse" not in timeline and "Pending" not in timeline


# --- Two at the same moment ------------------------------------------------------------------------------

def _twice_at_once(work) -> list:
    """Run `work` in two threads released together; each result or exception, in any order."""
    results, errors = at_once(work)
    return results + errors


def _ask_through_the_page(user, code):
    client = Client()
    client.force_login(user)
    response = client.post(REQUEST_URL, {"code": code, "reason": "同时"})
    if response.status_code == 302:
        return response.status_code, messages_of(response)[-1]
    return response.status_code, " ".join(response.context["form"].non_field_errors())


@pytest.mark.postgres
@pytest.mark.skipif(not needs_postgres(), reason="needs DATABASE_URL pointing at PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_keep_one_and_answer_both_alike(role_groups, customer, charlie):
    """Issue 8: two simultaneous requests raced to a 500. Eight rounds of two threads through the page,
    for a real archive and a made-up code alternately."""
    for round_no in range(8):
        user = UserFactory(username=f"asker{round_no}", roles=["account_manager"])
        code = customer.code if round_no % 2 == 0 else "C5555555"
        answers = _twice_at_once(lambda user=user, code=code: _ask_through_the_page(user, code))
        assert len(answers) == 2, answers
        for status, text in answers:
            assert (status, text.startswith("If this archive exists") or "already asked" in text) in (
                (302, True), (200, True)), answers
        assert AccessRequest.objects.filter(requester=user, status="pending").count() == 1
        assert AccessRequestLog.objects.filter(request__requester=user).count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(not needs_postgres(), reason="needs DATABASE_URL pointing at PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_loser_of_two_simultaneous_service_calls_gets_the_winners_request(role_groups, customer, charlie):
    for _ in range(5):
        AccessRequest.objects.all().delete()
        results = _twice_at_once(lambda: access_request_create(user=charlie, reason="同时",
                                                               target=target_by_code(customer.code)))
        only = AccessRequest.objects.get()
        assert len(results) == 2 and all(r == only or "already asked" in str(r) for r in results), results


# --- From the filing form's duplicate warning ----------------------------------------------------------------

@pytest.mark.django_db
def test_a_duplicate_the_user_may_not_read_offers_the_request_on_the_spot(client, customer, charlie, dora):
    login(client, charlie)
    page = client.post(reverse("customers:create"), {
        "name": customer.name, "short_name": "东方", "stage": "customer", "phone": "0571-88886666",
        "address": "杭州市西湖区文三路1号", "source": "staff_visit", "service_needs": ["transport"],
        "has_trade_rights": "unknown"})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="duplicate-access-request"' in html
    assert page.context["duplicate"] == {"url": ""}
    assert f'name="match_value" value="{customer.name}"' in html
    assert customer.code not in html and "alice" not in html
    response = client.post(REQUEST_URL, {"match_field": "name", "match_value": customer.name,
                                         "reason": "新客户与已有档案重名"})
    assert response.status_code == 302 and messages_of(response)[-1].startswith("If this archive exists")
    access_request = AccessRequest.objects.get()
    assert (access_request.customer, access_request.requested_as) == (customer, customer.name)
    mine = client.get(MINE_URL).content.decode()
    assert customer.code not in mine
    # The head sees which archive it is.
    assert customer.code in login(client, dora).get(MINE_URL).content.decode()


@pytest.mark.django_db
def test_a_match_that_finds_nothing_is_recorded_the_same_way(customer, charlie):
    real = target_by_match("name", f" {customer.name} ")
    ghost = target_by_match("name", "不存在的公司")
    assert (real.customer, real.label) == (customer, customer.name)
    assert (ghost.customer, ghost.key) == (None, "name:不存在的公司")
    phone = target_by_match("phone", "021-5555 0001")
    assert phone.customer == customer and phone.key == "phone:02155550001"


# --- Revocation, banner --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_revocation_asks_for_confirmation_then_notifies_the_grantee(client, customer, charlie, dora,
                                                                    django_capture_on_commit_callbacks):
    access_request = access_request_create(user=charlie, reason="需要", target=target_by_code(customer.code))
    access_request_decide(access_request=access_request, user=dora, grant=True, days=7)
    grant = AccessGrant.objects.get()
    login(client, dora)
    url = reverse("customers:access_grant_revoke", args=[grant.pk])
    assert f'href="{url}"' in client.get(MINE_URL).content.decode()
    confirm = client.get(url)
    assert confirm.status_code == 200 and 'id="revoke-confirm"' in confirm.content.decode()
    grant.refresh_from_db()
    assert grant.revoked_at is None  # asking is not revoking
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"comment": "投诉已结案"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.revoked_by, grant.revocation_comment) == (dora, "投诉已结案") and grant.revoked_at
    notice = Notification.objects.filter(recipient=charlie).latest("pk")
    assert notice.title == f"Your access to the archive {customer.code} was revoked"
    assert notice.body == "投诉已结案"
    assert [(s.action, s.actor) for s in access_request.log.all()][-1] == ("revoke", dora)
    # A second revocation changes nothing.
    again = client.post(url)
    assert "already revoked" in messages_of(again)[-1]


@pytest.mark.django_db
def test_a_reader_through_a_grant_sees_its_end_on_the_card(client, customer, charlie, dora, alice):
    until = timezone.now() + dt.timedelta(days=3)
    AccessGrant.objects.create(customer=customer, user=charlie, granted_by=dora, expires_at=until)
    card = reverse("customers:detail", args=[customer.pk])
    html = login(client, charlie).get(card).content.decode()
    assert 'id="grant-banner"' in html
    assert timezone.localtime(until).strftime("%Y-%m-%d %H:%M") in html and "dora" in html
    assert 'id="grant-banner"' not in login(client, alice).get(card).content.decode()


# --- The back-fill of existing requests ------------------------------------------------------------------------

@pytest.mark.django_db
def test_backfill_gives_existing_requests_their_key_and_steps(customer, charlie, dora):
    import importlib

    backfill = importlib.import_module("customers.migrations.0004_access_request_workflow").backfill
    other = CustomerFactory(owner=customer.owner, team=customer.team)
    decided_at = timezone.now() - dt.timedelta(days=1)
    AccessRequest.objects.create(customer=customer, requester=charlie, reason="旧的")
    AccessRequest.objects.create(customer=other, requester=charlie, reason="旧的", status="refused", decided_by=dora,
                                 decided_at=decided_at, decision_comment="不")
    backfill(apps, None)
    steps = {(s.request.customer_id, s.action, s.actor_id, s.to_state) for s in AccessRequestLog.objects.all()}
    assert steps == {(customer.pk, "request", charlie.pk, "pending"), (other.pk, "request", charlie.pk, "pending"),
                     (other.pk, "refuse", dora.pk, "refused")}
    assert set(AccessRequest.objects.values_list("target_key", flat=True)) == {f"code:{customer.code}",
                                                                               f"code:{other.code}"}
    assert ACCESS_FLOW.log_fk == "request"
