"""Rebuild the translation catalogues: extract messages, fill the Simplified Chinese catalogue from
the translator fragments in locale/fragments/*.json, and compile.

The fragments keep translations beside the work that added them (one JSON file per area), so
engineers working in parallel never edit the same .po file.
"""

import json
import re
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfr]")


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


IGNORE = [".venv", "static", "staticfiles", "media", "bench", "tests", ".run", "node_modules", "docs"]


class Command(BaseCommand):
    help = "Extract messages, fill zh_Hans from locale/fragments/*.json, compile; --check fails on gaps."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail when a message has no Chinese translation.")

    def handle(self, *args, check: bool = False, **options):
        locale_dir = Path(settings.BASE_DIR) / "locale"
        call_command("makemessages", locale=["zh_Hans", "en"], ignore_patterns=IGNORE, no_obsolete=True,
                     verbosity=0)
        fragments: dict[str, str] = {}
        for path in sorted((locale_dir / "fragments").glob("*.json")):
            fragments.update(json.loads(path.read_text(encoding="utf-8")))
        po_path = locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.po"
        catalogue = polib.pofile(str(po_path))
        catalogue.metadata.update({"Language": "zh_Hans", "Content-Type": "text/plain; charset=UTF-8",
                                   "Plural-Forms": "nplurals=1; plural=0;"})
        missing = []
        for entry in catalogue:
            # A message with a context (pgettext, {% translate ... context "..." %}) is keyed "context\u0004msgid",
            # gettext's own separator, so "Open" the link and "Open" the status can differ.
            key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
            translation = fragments.get(key)
            if "fuzzy" in entry.flags:
                # makemessages' guess from a similar message is another message's text: never ship it.
                entry.flags.remove("fuzzy")
                entry.previous_msgid = entry.previous_msgctxt = entry.previous_msgid_plural = None
                if not translation:
                    entry.msgstr = ""
                    entry.msgstr_plural = {0: ""} if entry.msgid_plural else {}
            if not translation and entry.msgstr and _placeholders(entry.msgstr) != _placeholders(entry.msgid):
                entry.msgstr = ""  # a stale guess naming other arguments would stop compilemessages
            if entry.msgid_plural:
                if translation:
                    entry.msgstr_plural = {0: translation}
                elif not entry.msgstr_plural.get(0):
                    missing.append(entry.msgid)
            elif translation:
                entry.msgstr = translation
            elif not entry.msgstr:
                missing.append(entry.msgid)
        catalogue.save(str(po_path))
        call_command("compilemessages", locale=["zh_Hans", "en"], ignore_patterns=IGNORE, verbosity=0)
        total = len(catalogue)
        self.stdout.write(f"zh_Hans: {total - len(missing)}/{total} messages translated")
        for msgid in missing:
            self.stdout.write(f"  missing: {msgid!r}")
        if check and missing:
            raise CommandError(f"{len(missing)} messages have no Chinese translation")
