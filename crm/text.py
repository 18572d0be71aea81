"""Text that every door refuses: C0 control characters (NUL included) other than tab, line feed and
carriage return (a browser sends a textarea's line breaks as CR LF), and DEL. PostgreSQL refuses NUL in
text (a server error), SQLite would store it, and none of them belongs in a name, a note or a phone.

Every Django form CharField (the admin's and third-party forms included) and every DRF CharField get a
validator from `install_form_validator()` / `install_api_validator()`, as Django and DRF add their own
NUL validator; `crm.forms_base.BootstrapFormMixin` checks what other fields clean to; imports and uploads
refuse them through `crm.tabular.parse_text` and the importer's row check.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARACTERS_MESSAGE = _("Remove the control characters (such as NUL) from this text: they cannot be saved.")


def has_control_characters(value) -> bool:
    return isinstance(value, str) and CONTROL_CHARACTERS_RE.search(value) is not None


@deconstructible
class NoControlCharactersValidator:
    message = CONTROL_CHARACTERS_MESSAGE
    code = "control_characters"

    def __call__(self, value):
        if has_control_characters(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, NoControlCharactersValidator)


def install_api_validator() -> None:
    """Every DRF CharField (and EmailField, SlugField, … built on it) refuses control characters."""
    from rest_framework import fields

    if getattr(fields.CharField, "_crm_control_characters", False):
        return
    original_init = fields.CharField.__init__

    def __init__(self, **kwargs):
        original_init(self, **kwargs)
        self.validators.append(NoControlCharactersValidator())

    fields.CharField.__init__ = __init__
    fields.CharField._crm_control_characters = True


def install_form_validator() -> None:
    """Every Django form CharField (TextField, EmailField, … of model forms and the admin) refuses them."""
    from django import forms

    if getattr(forms.CharField, "_crm_control_characters", False):
        return
    original_init = forms.CharField.__init__

    def __init__(self, **kwargs):
        original_init(self, **kwargs)
        self.validators.append(NoControlCharactersValidator())

    forms.CharField.__init__ = __init__
    forms.CharField._crm_control_characters = True
