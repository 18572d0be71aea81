"""Chinese pages show Chinese: every template message has a translation, and no page of the archive shows
a raw choice code (`transport.sea`, `staff_visit`) or an English choice label in zh-hans."""

import ast
import re
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation.template import templatize

from customers.models import AccessLog, Contact, DataSource, Interaction, ServiceType
from tests.factories import BusinessRecordFactory, ContactFactory, CustomerFactory, UserFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# gettext('…'), pgettext('context', '…'), ngettext('…', '…', n) as Django's templatize writes them
CALL = re.compile(r"\b(gettext|pgettext|ngettext|npgettext)\((u?'(?:[^'\\]|\\.)*'(?:,\s*u?'(?:[^'\\]|\\.)*')*)")


def template_messages() -> set[tuple[str, str, str]]:
    """(template, context, msgid) of every translatable string in the project's templates."""
    found = set()
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        for function, arguments in CALL.findall(source):
            strings = ast.literal_eval(f"({arguments.replace(chr(10), ' ')},)")
            context, msgid = (strings[0], strings[1]) if function.startswith(("pgettext", "npgettext")) else (
                "", strings[0])
            found.add((str(path.relative_to(TEMPLATES)), context, msgid))
    return found


def test_every_template_string_is_in_the_chinese_catalogue():
    catalogue = {(entry.msgctxt or "", entry.msgid): entry for entry in polib.pofile(str(CATALOGUE))}
    messages = template_messages()
    assert len(messages) > 300  # the extraction works: the templates hold hundreds of messages
    missing = sorted(f"{name}: {msgid!r}" for name, context, msgid in messages
                     if not (entry := catalogue.get((context, msgid)))
                     or not (entry.msgstr or entry.msgstr_plural.get(0)) or "fuzzy" in entry.flags)
    assert missing == []


def test_a_template_string_left_out_of_the_catalogue_is_found(tmp_path, monkeypatch):
    (tmp_path / "probe.html").write_text('{% load i18n %}<p>{% translate "A message nobody translated" %}</p>'
                                         '{% translate "Open" context "link to a list" %}', encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.TEMPLATES", tmp_path)
    assert template_messages() == {("probe.html", "", "A message nobody translated"),
                                   ("probe.html", "link to a list", "Open")}


# --- no untranslated choice codes on Chinese pages ---------------------------------------------------

def choice_codes() -> set[str]:
    """Every stored choice code of the archive's models that differs from its label (and is a word)."""
    codes = {value for value, _label in ServiceType.choices}
    for model in apps.get_app_config("customers").get_models():
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or []:
                if isinstance(value, str) and len(value) > 2 and value != str(label):
                    codes.add(value)
    return codes


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<option\b[^>]*>", " ", html)  # option values are attributes, their labels stay
    return re.sub(r"<[^>]+>", " ", html)


def raw_codes_in(html: str, codes: set[str]) -> list[str]:
    text = visible_text(html)
    return sorted(code for code in codes
                  if re.search(rf"(?<![\w.]){re.escape(code)}(?:\.[a-z_]+)?(?![\w])", text))


@pytest.fixture
def filled_archive(db):
    gm = UserFactory(username="gm-zh", roles=["gm"], language="zh-hans", is_staff=True, is_superuser=True)
    owner = UserFactory(username="owner-zh", roles=["account_manager"], language="zh-hans")
    customer = CustomerFactory(owner=owner, source=DataSource.FREIGHT_SYSTEM, service_needs=["warehousing"])
    ContactFactory(customer=customer, gender=Contact.Gender.FEMALE)
    for code in ("transport.sea", "transport.road", "warehousing", "customs", "transport.hovercraft"):
        BusinessRecordFactory(customer=customer, service_type=code)
    Interaction.objects.create(customer=customer, kind=Interaction.Kind.values[0], user=owner,
                               date=timezone.localdate(), summary="电话沟通")
    AccessLog.objects.create(user=gm, customer=customer, action=AccessLog.Action.EXPORT,
                             channel=AccessLog.Channel.WEB, detail="customers 182 rows")
    return gm, customer


def test_the_code_finder_sees_a_raw_code():
    assert raw_codes_in("<td>transport.sea</td><td>运输（海运）</td>", {"transport"}) == ["transport"]
    assert raw_codes_in('<option value="transport">运输</option><a href="?stage=customer">客户</a>',
                        {"transport", "customer"}) == []


@pytest.mark.parametrize("url_name", ["customers:detail", "customers:print", "customers:list",
                                      "customers:business_records", "customers:access_log",
                                      "customers:classification", "home"])
def test_chinese_pages_show_no_choice_code(client, filled_archive, url_name):
    gm, customer = filled_archive
    client.force_login(gm)
    url = reverse(url_name, args=[customer.pk]) if url_name in ("customers:detail", "customers:print") else (
        reverse(url_name))
    with translation.override("zh-hans"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert raw_codes_in(html, choice_codes()) == []
    assert "customer card" not in html and "rows" not in visible_text(html)
