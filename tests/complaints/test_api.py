"""REST complaints/ and complaints/{id}/actions/ exactly as SPEC §9 says."""

import pytest

pytestmark = pytest.mark.django_db
URL = "/api/v1/complaints/"


def test_register_and_take_every_step(api_for, customer, bob, handler, dora, gm, charlie):
    response = api_for(bob).post(URL, {"customer": customer.pk, "channel": "hotline", "subject": "customs",
                                       "description": "报关延误", "demand": "说明原因"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["step"], body["status"], body["history"][0]["action"]) == (2, "open", "register")
    assert body["reply_due_at"] and body["implement_due_at"]
    actions = f"{URL}{body['id']}/actions/"

    def act(user, payload, expected=200):
        answer = api_for(user).post(actions, payload, format="json")
        assert answer.status_code == expected, answer.json()
        return answer.json()

    assert act(bob, {"action": "reply", "text": "已收到"})["first_reply_at"]
    assert act(bob, {"action": "judge", "valid": True})["step"] == 3
    assigned = act(bob, {"action": "assign", "handler": handler.pk})
    assert (assigned["step"], assigned["department"]) == (4, "报关行")  # the routing rule's default
    act(handler, {"action": "propose", "remedy_type": "apology"}, 409)  # step 4 first
    act(handler, {"action": "analyse", "cause": "单证不齐", "responsible": "报关员"})
    act(handler, {"action": "propose", "remedy_type": "discount", "amount": "300.00", "loss": "800.00"})
    act(handler, {"action": "approve_division"}, 403)
    act(dora, {"action": "send_back", "comment": "金额偏低"})
    act(handler, {"action": "propose", "remedy_type": "compensation", "amount": "800.00"})
    act(dora, {"action": "approve_division"})
    act(dora, {"action": "approve_gm"}, 403)
    act(gm, {"action": "approve_gm"})
    act(handler, {"action": "implement", "text": "已赔付", "customer_notified": True,
                  "penalties": [{"person": "报关员", "amount": "100.00", "reason": "单证错误"}]})
    closed = act(gm, {"action": "review", "text": "增加单证复核"})
    assert (closed["step"], closed["status"], closed["penalties"][0]["person"]) == (9, "closed", "报关员")
    act(bob, {"action": "return_visit", "satisfaction": 5, "text": "满意"})
    act(bob, {"action": "return_visit", "satisfaction": 7}, 400)
    history = api_for(gm).get(f"{URL}{body['id']}/").json()["history"]
    assert [h["action"] for h in history][-3:] == ["implement", "review", "return_visit"]
    assert set(history[0]) == {"action", "actor", "at", "comment"}
    assert api_for(charlie).get(f"{URL}{body['id']}/").status_code == 404
    assert api_for(charlie).post(actions, {"action": "reply", "text": "x"}, format="json").status_code == 404


def test_bad_input(api_for, customer, bob, integration_user):
    assert api_for(bob).post(URL, {"customer": customer.pk, "subject": "weather", "description": "x"},
                             format="json").status_code == 400
    assert api_for(bob).post(URL, {"customer": 99999, "subject": "service", "description": "x"},
                             format="json").status_code == 404
    assert api_for(integration_user).post(URL, {"customer": customer.pk, "subject": "service", "description": "x"},
                                          format="json").status_code == 403
    created = api_for(bob).post(URL, {"customer": customer.pk, "subject": "service", "description": "x"},
                                format="json").json()
    actions = f"{URL}{created['id']}/actions/"
    assert api_for(bob).post(actions, {"action": "fly"}, format="json").status_code == 400
    assert api_for(bob).post(actions, {"action": "judge"}, format="json").status_code == 400  # valid is required
    assert api_for(bob).post(actions, {"action": "judge", "valid": False}, format="json").status_code == 400
    rejected = api_for(bob).post(actions, {"action": "judge", "valid": False, "text": "不属实"}, format="json")
    assert (rejected.json()["step"], rejected.json()["status"]) == (2, "rejected")


def test_list_filters(api_for, customer, bob, gm):
    api_for(bob).post(URL, {"customer": customer.pk, "subject": "billing", "description": "多收费"}, format="json")
    api_for(bob).post(URL, {"customer": customer.pk, "subject": "service", "description": "态度"}, format="json")
    assert api_for(gm).get(URL, {"subject": "billing"}).json()["count"] == 1
    assert api_for(gm).get(URL, {"state": "judge"}).json()["count"] == 2
    assert api_for(gm).get(URL, {"sla": "breached"}).json()["count"] == 0
