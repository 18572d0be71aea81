"""The Content-Security-Policy allows no inline script, event handler or style attribute: no template of
ours may hold one (a page's own <style> block carries the request's nonce). Checked on the templates'
source, so a new app's template that breaks the rule fails here before a browser refuses it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
STYLE_BLOCK = re.compile(r"<style(?![^>]*\bnonce=)[^>]*>", re.I)


def templates():
    return sorted(p for p in TEMPLATES.rglob("*.html"))


def test_there_are_templates_to_check():
    assert len(templates()) > 30


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_inline_script_handler_or_style_attribute(path):
    text = path.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "inline <script>: put it in static/js/"
    assert not HANDLER.search(text), "inline event handler: use a data- attribute read by static/js/behaviours.js"
    assert not STYLE_ATTRIBUTE.search(text), "style attribute: use a class or data-width/data-height"
    assert not STYLE_BLOCK.search(text), '<style> without nonce="{{ request.csp_nonce }}"'


@pytest.mark.django_db
def test_a_page_with_a_style_block_sends_its_nonce_in_the_policy(client: Client, alice, customer):
    client.force_login(alice)
    response = client.get(f"/customers/{customer.pk}/print/")
    nonce = re.search(r'<style nonce="([^"]+)"', response.content.decode()).group(1)
    policy = response["Content-Security-Policy"]
    assert f"'nonce-{nonce}'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
