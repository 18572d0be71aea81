from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms_base import BootstrapFormMixin
from crm.models import User


class ProfileForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "phone", "language"]
        labels = {"first_name": _("Given name"), "last_name": _("Family name")}
