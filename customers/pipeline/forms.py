from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms_base import BootstrapFormMixin
from customers.models import CustomerNature, Industry
from customers.pipeline.models import Importance, LeadSource, PipelineProfile, ValueGrade


class LeadQuickForm(BootstrapFormMixin, forms.Form):
    """The quick entry of a lead: what a caller says in a minute."""

    name = forms.CharField(label=_("Company full name"), max_length=200)
    contact_name = forms.CharField(label=_("Contact"), max_length=60, required=False)
    contact_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    lead_source = forms.ChoiceField(label=_("Lead source"), choices=LeadSource.choices, initial=LeadSource.OTHER)
    industry = forms.ModelChoiceField(label=_("Industry"), queryset=Industry.objects.none(), required=False)
    nature = forms.ModelChoiceField(label=_("Nature"), queryset=CustomerNature.objects.none(), required=False)
    value_grade = forms.ChoiceField(label=_("Value grade"), choices=ValueGrade.choices, initial=ValueGrade.B)
    importance = forms.ChoiceField(label=_("Importance"), choices=Importance.choices, initial=Importance.MEDIUM)
    follow_up_due = forms.DateField(label=_("Next follow-up"), required=False, widget=forms.DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].queryset = Industry.objects.filter(is_active=True)
        self.fields["nature"].queryset = CustomerNature.objects.filter(is_active=True)


class PipelineProfileForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = PipelineProfile
        fields = ["lead_source", "value_grade", "importance", "follow_up_due", "follow_up_note", "main_contact",
                  "expected_volume", "route_requirements", "goods", "price_tolerance", "reputation", "competition",
                  "service_needs", "development_value", "development_strategy"]
        widgets = {"follow_up_due": forms.DateInput,
                   **{name: forms.Textarea(attrs={"rows": 2}) for name in
                      ("competition", "service_needs", "development_value", "development_strategy")}}


class ConversionFilterForm(BootstrapFormMixin, forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput)
    end = forms.DateField(label=_("To"), widget=forms.DateInput)
    by = forms.ChoiceField(label=_("Group by"), choices=[("source", _("Lead source")), ("owner", _("Owner"))],
                           initial="source")
