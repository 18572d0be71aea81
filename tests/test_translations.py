"""The Simplified Chinese catalogue is complete and compiled: Chinese is the default language."""

from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_has_a_chinese_translation():
    catalogue = polib.pofile(str(LOCALE / "django.po"))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries() + catalogue.fuzzy_entries()]
    assert len(catalogue) > 400
    assert untranslated == []


def test_compiled_catalogue_is_current():
    po, mo = LOCALE / "django.po", LOCALE / "django.mo"
    # Keyed by context too: "Open" the link (查看) and "Open" the status (待处理) are two messages.
    compiled = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in polib.mofile(str(mo))}
    for entry in polib.pofile(str(po)).translated_entries():
        if not entry.msgid_plural:
            assert compiled.get((entry.msgctxt, entry.msgid)) == entry.msgstr, entry.msgid


def test_chinese_is_served_by_default():
    from crm.settings import base

    assert base.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert translation.gettext("Customers") == "客户"
        assert translation.gettext("Log in") == "登录"
