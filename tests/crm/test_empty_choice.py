"""Selects offer a translated empty choice ("— choose —", a filter's "All") instead of Django's "---------"
(crm.forms_base.BootstrapFormMixin), on Chinese and English pages alike."""

import pytest
from django.urls import reverse
from django.utils import translation

from customers.card_section_forms import AccessLogFilterForm, InteractionForm

pytestmark = pytest.mark.django_db

CHOOSE = {"zh-hans": "— 请选择 —", "en": "— choose —"}
ALL = {"zh-hans": "全部", "en": "All"}


def _page(client, user, language, url):
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_customer_complaint_and_credit_forms_offer_the_translated_empty_choice(
        client, bob, credit_officer, customer, language):
    customer_page = _page(client, bob, language, reverse("customers:create"))
    complaint_page = _page(client, bob, language, reverse("complaints:register"))
    credit_page = _page(client, credit_officer, language, reverse("credit:customer", args=[customer.pk]))
    empty = f'<option value="" selected>{CHOOSE[language]}</option>'
    # The customer card's foreign keys (territory, industry, ...), the complaint's subject (a model field's
    # choices), the credit record's severity.
    assert customer_page.count(empty) >= 4
    assert empty in complaint_page
    assert empty in credit_page
    for page in (customer_page, complaint_page, credit_page):
        assert "---------" not in page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_filter_form_says_all_and_an_entry_form_choose(customer, language):
    with translation.override(language):
        filters = str(AccessLogFilterForm()["user"])
        interaction = str(InteractionForm(customer=customer)["contact"])
    assert f'<option value="" selected>{ALL[language]}</option>' in filters
    assert f'<option value="" selected>{CHOOSE[language]}</option>' in interaction
    assert "---------" not in filters + interaction
