"""Forms of the access-request pages (customers/views/access.py)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.forms_base import BootstrapFormMixin
from crm.rules import rule_value
from customers.access_requests import MATCH_FIELDS


class AccessRequestForm(BootstrapFormMixin, forms.Form):
    """Ask to read an archive one may not read, named by its code (`mode="code"`), by the id in the URL
    (`"id"`) or by the value that made the filing form find a duplicate (`"match"`, hidden fields)."""

    code = forms.CharField(label=_("Customer code"), max_length=20,
                           help_text=_("The code of the archive, for example C0000123."))
    match_field = forms.ChoiceField(choices=[(name, name) for name in MATCH_FIELDS], widget=forms.HiddenInput)
    match_value = forms.CharField(max_length=200, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why do you need to read it?"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, mode: str = "code", with_code: bool | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if with_code is not None:
            mode = "code" if with_code else "id"
        self.mode = mode
        if mode != "code":
            del self.fields["code"]
        if mode != "match":
            del self.fields["match_field"], self.fields["match_value"]

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Say why you need to read this archive."))
        return reason


class AccessDecisionForm(BootstrapFormMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("grant", _("Grant")), ("refuse", _("Refuse"))])
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=90, required=False,
                              initial=lambda: rule_value("ACCESS_GRANT_DAYS"))
    comment = forms.CharField(label=_("Comment"), max_length=300, required=False)


class AccessWithdrawForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=300, required=False)


class AccessRevokeForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(label=_("Why is the access revoked?"), max_length=300, required=False,
                              help_text=_("The user is notified, with this comment."))
