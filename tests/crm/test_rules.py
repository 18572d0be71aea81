"""Admin-editable numeric rules: registered defaults, the admin's value, validation."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.models import NumericRule
from crm.rules import RULES, check_rule_value, rule_value

pytestmark = pytest.mark.django_db


def test_spec_defaults_are_registered_by_the_apps():
    assert {key: rule_value(key) for key in ("ACCESS_GRANT_DAYS", "CHURN_RISK_DAYS", "CREDIT_CUTOFF_A",
                                             "CREDIT_CUTOFF_B", "CREDIT_CUTOFF_C", "COMPLAINT_REPLY_HOURS",
                                             "COMPLAINT_IMPLEMENT_WORKING_DAYS", "CONTRACT_RENEWAL_REMINDER_DAYS")} == {
        "ACCESS_GRANT_DAYS": 7, "CHURN_RISK_DAYS": 180, "CREDIT_CUTOFF_A": 85, "CREDIT_CUTOFF_B": 70,
        "CREDIT_CUTOFF_C": 55, "COMPLAINT_REPLY_HOURS": 24, "COMPLAINT_IMPLEMENT_WORKING_DAYS": 5,
        "CONTRACT_RENEWAL_REMINDER_DAYS": 30}


def test_the_admins_value_wins_over_settings_and_default(settings):
    settings.CRM = {**settings.CRM, "CHURN_RISK_DAYS": 90}
    assert rule_value("CHURN_RISK_DAYS") == 90
    NumericRule.objects.create(key="CHURN_RISK_DAYS", value=Decimal("120"))
    assert rule_value("CHURN_RISK_DAYS") == 120 and isinstance(rule_value("CHURN_RISK_DAYS"), int)


def test_unknown_rule_is_a_programming_error():
    with pytest.raises(KeyError, match="register it"):
        rule_value("NO_SUCH_RULE")


@pytest.mark.parametrize("key, value, field", [
    ("NO_SUCH_RULE", "1", "key"),
    ("CHURN_RISK_DAYS", "1.5", "value"),
    ("CREDIT_CUTOFF_A", "101", "value"),
    ("ACCESS_GRANT_DAYS", "0", "value"),
])
def test_values_outside_the_rule_are_refused(key, value, field):
    with pytest.raises(ValidationError) as error:
        check_rule_value(key, Decimal(value))
    assert field in error.value.message_dict


def test_admin_edits_a_rule(admin_client):
    response = admin_client.post("/admin/crm/numericrule/add/", {"key": "CREDIT_CUTOFF_A", "value": "88",
                                                                 "note": "2027 policy"})
    assert response.status_code == 302
    assert rule_value("CREDIT_CUTOFF_A") == 88
    page = admin_client.get("/admin/crm/numericrule/").content.decode()
    assert "CREDIT_CUTOFF_A" in page and str(RULES["CREDIT_CUTOFF_A"].label) in page


def test_admin_refuses_a_value_outside_the_rule(admin_client):
    response = admin_client.post("/admin/crm/numericrule/add/", {"key": "CREDIT_CUTOFF_A", "value": "150"})
    assert response.status_code == 200
    assert "at most 100" in response.content.decode()
    assert not NumericRule.objects.exists()
