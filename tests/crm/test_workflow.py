"""The workflow kit (crm.workflow, crm.api.workflow, crm.workflow_views), tried on its first user, the
access requests: 409 on a step that does not fit, 403 for the wrong person, the history's shape, the
schema of `actions/`, and two simultaneous steps on PostgreSQL of which exactly one applies."""

import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from rest_framework import serializers

from crm.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from crm.workflow import Action, Workflow
from customers.access_requests import ACCESS_FLOW, access_request_create, target_by_code
from customers.models import AccessGrant, AccessRequest, AccessRequestLog
from tests.conftest import api_as, needs_postgres
from tests.factories import UserFactory


@pytest.fixture
def role_groups(transactional_db):
    """Transactional tests flush the tables, the role groups of the data migration included."""
    from django.contrib.auth.models import Group

    from crm.roles import Role

    for role in Role.values:
        Group.objects.get_or_create(name=role)


@pytest.fixture
def pending(customer, charlie, dora):
    return access_request_create(user=charlie, reason="投诉处理需要", target=target_by_code(customer.code))


def url(access_request) -> str:
    return f"/api/v1/access-requests/{access_request.pk}/actions/"


# --- transition() ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_step_moves_the_state_saves_its_fields_and_logs_who_when_what(pending, dora):
    done = ACCESS_FLOW.transition(pending, action="grant", user=dora, comment="同意", data={"days": 3})
    assert (done.status, done.decided_by, done.decision_comment) == ("granted", dora, "同意")
    pending.refresh_from_db()
    assert pending.status == "granted"
    steps = list(AccessRequestLog.objects.filter(request=pending).order_by("at", "pk"))
    assert [(s.action, s.from_state, s.to_state) for s in steps] == [("request", "", "pending"),
                                                                     ("grant", "pending", "granted")]
    assert (steps[1].actor, steps[1].comment, steps[1].data) == (dora, "同意", {"days": 3})
    assert AccessGrant.objects.get().request == pending


@pytest.mark.django_db
def test_a_step_that_does_not_fit_the_state_is_a_409_and_changes_nothing(pending, dora):
    ACCESS_FLOW.transition(pending, action="refuse", user=dora, comment="不同意")
    with pytest.raises(ConflictError) as error:
        ACCESS_FLOW.transition(pending, action="grant", user=dora)
    assert error.value.status_code == 409 and "moved on" in str(error.value.message)
    assert error.value.extra == {"state": "refused"}
    pending.refresh_from_db()
    assert pending.status == "refused" and not AccessGrant.objects.exists()
    assert AccessRequestLog.objects.filter(request=pending).count() == 2


@pytest.mark.django_db
def test_the_wrong_person_is_a_403_and_changes_nothing(pending, charlie, bob, alice):
    for user in (charlie, bob, alice):
        with pytest.raises(PermissionDeniedError) as error:
            ACCESS_FLOW.transition(pending, action="grant", user=user)
        assert error.value.status_code == 403
    with pytest.raises(PermissionDeniedError):
        ACCESS_FLOW.transition(pending, action="withdraw", user=bob)
    pending.refresh_from_db()
    assert pending.status == "pending" and AccessRequestLog.objects.filter(request=pending).count() == 1


@pytest.mark.django_db
def test_a_step_on_a_deleted_record_is_a_409(pending, dora):
    AccessRequest.objects.filter(pk=pending.pk).delete()
    with pytest.raises(ConflictError):
        ACCESS_FLOW.transition(pending, action="grant", user=dora)
    assert not AccessGrant.objects.exists()


@pytest.mark.django_db
def test_refused_input_rolls_the_whole_step_back(pending, dora):
    with pytest.raises(ApplicationError) as error:
        ACCESS_FLOW.transition(pending, action="grant", user=dora, data={"days": 365})
    assert error.value.field == "days"
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == ("pending", None)
    assert not AccessGrant.objects.exists() and AccessRequestLog.objects.filter(request=pending).count() == 1


@pytest.mark.django_db
def test_a_target_can_be_computed_and_available_actions_follow_state_and_guard(pending, dora, charlie):
    """A second workflow on the same model: the target decided by a function of the input."""
    flow = Workflow(model=AccessRequest, log_model=AccessRequestLog, actions=[
        Action("decide", "Decide", sources=["pending"],
               target=lambda obj, data: "granted" if data.get("yes") else "refused",
               guard=lambda user, obj: user == dora),
    ])
    assert [a.name for a in flow.available(dora, pending)] == ["decide"]
    assert flow.available(charlie, pending) == []
    assert flow.transition(pending, action="decide", user=dora, data={"yes": False}).status == "refused"
    pending.refresh_from_db()
    assert flow.available(dora, pending) == []
    with pytest.raises(ApplicationError):
        flow.transition(pending, action="no-such-step", user=dora)


@pytest.mark.django_db
def test_timeline_labels_states_and_steps(pending, dora):
    ACCESS_FLOW.transition(pending, action="refuse", user=dora, comment="理由不充分")
    timeline = ACCESS_FLOW.timeline(pending, labels={"request": "Asked"})
    assert [(t["label"], t["from_label"], t["to_label"], t["comment"]) for t in timeline] == [
        ("Asked", "", "Pending", "投诉处理需要"), ("Refuse", "Pending", "Refused", "理由不充分")]
    assert timeline[1]["actor"] == dora


# --- The actions/ API -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_api_step_answers_the_object_with_its_history(pending, dora, charlie):
    response = api_as(dora).post(url(pending), {"action": "grant", "comment": "同意", "days": 5}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["decision_comment"]) == (pending.pk, "granted", "同意")
    assert [set(step) for step in body["history"]] == [{"action", "actor", "at", "comment"}] * 2
    assert [(s["action"], s["actor"], s["comment"]) for s in body["history"]] == [
        ("request", charlie.pk, "投诉处理需要"), ("grant", dora.pk, "同意")]
    assert body["history"][1]["at"].startswith(str(pending.log.last().at.year))
    grant = AccessGrant.objects.get()
    assert 4 < (grant.expires_at - grant.created_at).total_seconds() / 86400 <= 5


@pytest.mark.django_db
def test_api_409_on_a_wrong_step_403_wrong_actor_404_outsider_400_bad_input(pending, dora, charlie, bob):
    # The requester sees the request but may not decide it.
    response = api_as(charlie).post(url(pending), {"action": "grant"}, format="json")
    assert response.status_code == 403 and "department head" in response.json()["detail"]
    # Someone who neither asked nor decides does not see it.
    assert api_as(bob).post(url(pending), {"action": "grant"}, format="json").status_code == 404
    head = api_as(dora)
    bad = head.post(url(pending), {"action": "grant", "days": 365}, format="json")
    assert bad.status_code == 400 and "days" in bad.json()
    unknown = head.post(url(pending), {"action": "approve"}, format="json")
    assert unknown.status_code == 400 and "action" in unknown.json()
    assert head.post(url(pending), ["grant"], format="json").status_code == 400
    assert head.post(url(pending), {"action": "refuse", "comment": "不"}, format="json").status_code == 200
    again = head.post(url(pending), {"action": "grant"}, format="json")
    assert again.status_code == 409 and "moved on" in again.json()["detail"]
    withdrawn = api_as(charlie).post(url(pending), {"action": "withdraw"}, format="json")
    assert withdrawn.status_code == 409
    pending.refresh_from_db()
    assert pending.status == "refused" and not AccessGrant.objects.exists()


@pytest.mark.django_db
def test_api_requester_withdraws_and_sees_only_what_they_asked_for(pending, charlie, customer):
    client = api_as(charlie)
    listed = client.get("/api/v1/access-requests/").json()
    assert [(r["id"], r["asked_for"], r["customer"]) for r in listed["results"]] == [(pending.pk, customer.code,
                                                                                        None)]
    response = client.post(url(pending), {"action": "withdraw"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


@pytest.mark.django_db
def test_schema_documents_one_input_per_action_with_a_discriminator(client, admin_user):
    client.force_login(admin_user)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/access-requests/{id}/actions/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    component = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert component["discriminator"]["propertyName"] == "action"
    assert set(component["discriminator"]["mapping"]) == {"grant", "refuse", "withdraw"}
    grant = schema["components"]["schemas"]["AccessRequestGrantActionRequest"]
    assert {"action", "comment", "days"} <= set(grant["properties"])
    assert grant["properties"]["days"]["maximum"] == 90
    assert {"200", "403", "404", "409"} <= set(operation["responses"])
    history = schema["components"]["schemas"]["AccessRequest"]["properties"]["history"]
    assert history["items"]["$ref"].endswith("/HistoryEntry")


def test_an_action_input_is_its_fields_plus_action_and_comment():
    from crm.api.workflow import action_input_serializer

    class Inputs(serializers.Serializer):
        amount = serializers.DecimalField(max_digits=10, decimal_places=2)

    serializer_class = action_input_serializer(Action("propose", "Propose", sources=["a"], target="b",
                                                      fields=Inputs), "Complaint")
    assert serializer_class.__name__ == "ComplaintProposeAction"
    ok = serializer_class(data={"action": "propose", "amount": "12.50"})
    assert ok.is_valid(), ok.errors
    assert (ok.validated_data["comment"], str(ok.validated_data["amount"])) == ("", "12.50")
    wrong = serializer_class(data={"action": "approve", "amount": "x"})
    assert not wrong.is_valid() and set(wrong.errors) == {"action", "amount"}


# --- The HTML door ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_page_step_on_a_moved_on_record_says_so(client, pending, dora, gm):
    ACCESS_FLOW.transition(pending, action="grant", user=gm, data={"days": 2})
    client.force_login(dora)
    response = client.post(reverse("customers:access_request_decide", args=[pending.pk]),
                           {"decision": "refuse", "comment": "晚了"})
    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["warning"]
    assert "moved on" in [str(m) for m in get_messages(response.wsgi_request)][0]
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == ("granted", gm)


# --- Two people at the same moment (PostgreSQL, real threads) ---------------------------------------------

def _race(workers):
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait(timeout=10)
            results[index] = work()
        except Exception as error:  # noqa: BLE001 - the race's outcome is what the test reads
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.postgres
@pytest.mark.skipif(not needs_postgres(), reason="needs DATABASE_URL pointing at PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_steps_exactly_one_applies(role_groups, customer, charlie, dora, gm):
    for round_no in range(3):
        requester = UserFactory(username=f"req{round_no}", roles=["account_manager"])
        pending = access_request_create(user=requester, reason="race", target=target_by_code(customer.code))
        results = _race([
            lambda obj=pending: ACCESS_FLOW.transition(obj, action="grant", user=dora, comment="dora",
                                                       data={"days": 3}),
            lambda obj=pending: ACCESS_FLOW.transition(obj, action="refuse", user=gm, comment="gm"),
        ])
        applied = [r for r in results if isinstance(r, AccessRequest)]
        conflicts = [r for r in results if isinstance(r, ConflictError)]
        assert (len(applied), len(conflicts)) == (1, 1), results
        pending.refresh_from_db()
        assert pending.status == applied[0].status
        decisions = AccessRequestLog.objects.filter(request=pending).exclude(action="request")
        assert decisions.count() == 1 and decisions.get().to_state == pending.status
        assert AccessGrant.objects.filter(request=pending).count() == (1 if pending.status == "granted" else 0)
