"""Forms of the card's related parts (contacts, competitors, documents, interactions, data sources),
the document library and the confidentiality pages. Forms only validate input; the views hand the
cleaned data to the services in customers.card_sections and customers.services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.forms_base import ALL_LABEL, BootstrapFormMixin
from crm.models import User
from crm.uploads import ALLOWED_EXTENSIONS, validate_upload
from customers.models import (
    AccessLog,
    Competitor,
    Contact,
    CustomerDocument,
    DataSource,
    DocumentCategory,
    Interaction,
    LibraryDocument,
    Section,
)

FILE_ACCEPT = ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)
FILE_HELP = _("PDF, images, Office documents, CSV, text or ZIP; at most 20 MB.")


class _UploadMixin:
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            try:
                validate_upload(upload)
            except ValidationError as error:
                raise ValidationError(error.message_dict["file"]) from None
        return upload


# BootstrapFormMixin reads `errors` while it initialises, which validates the form at once: every
# change to the fields (removed fields, narrowed choices, added rows) must be made before it runs.
# So each form below keeps its fields in a base class placed after the mixin in the MRO.


class _ContactFields(forms.ModelForm):

    class Meta:
        model = Contact
        fields = ["name", "title", "department", "phone", "mobile", "email", "gender", "is_primary",
                  "is_decision_maker", "is_legal_representative", "is_owner", "is_manager",
                  "relation_to_decision_makers", "birth_date", "native_place", "home_address", "education",
                  "family", "personality", "hobbies", "abilities", "note"]
        widgets = {"birth_date": forms.DateInput()}

    def __init__(self, *args, show_sensitive: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_sensitive = show_sensitive
        if not show_sensitive:
            for name in Contact.SENSITIVE_FIELDS:
                self.fields.pop(name, None)

    def sensitive_fields(self):
        return [self[name] for name in Contact.SENSITIVE_FIELDS if name in self.fields]

    def plain_fields(self):
        return [self[name] for name in self.fields if name not in Contact.SENSITIVE_FIELDS]


class ContactForm(BootstrapFormMixin, _ContactFields):
    """A contact; the personal fields are left out for users who may not see them (SPEC §8)."""


class CompetitorForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Competitor
        fields = ["name", "address", "nature", "head", "goods_supplied", "volume", "share", "price_level",
                  "sales_situation"]


class DocumentForm(_UploadMixin, BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = CustomerDocument
        fields = ["category", "title", "file", "note"]
        widgets = {"file": forms.ClearableFileInput(attrs={"accept": FILE_ACCEPT})}
        help_texts = {"file": FILE_HELP}


class _InteractionFields(forms.ModelForm):
    class Meta:
        model = Interaction
        fields = ["kind", "date", "contact", "summary"]
        widgets = {"date": forms.DateInput(), "summary": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = customer.contacts.filter(is_active=True)
        self.fields["date"].initial = timezone.localdate

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date and date > timezone.localdate():
            raise ValidationError(_("An interaction cannot be dated in the future."))
        return date


class InteractionForm(BootstrapFormMixin, _InteractionFields):
    """An item of the interaction log; the contact is one of this customer's."""


class _SectionSourcesFields(forms.Form):

    def __init__(self, *args, rows: dict, may_check: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.may_check = may_check
        self.section_rows = rows
        for section in Section:
            row = rows.get(section.value)
            self.fields[f"source_{section.value}"] = forms.ChoiceField(
                label=section.label, required=False, choices=[("", _("— not recorded —")), *DataSource.choices],
                initial=row.source if row else "")
            self.fields[f"checked_{section.value}"] = forms.BooleanField(
                label=_("checked"), required=False, initial=bool(row and row.is_checked), disabled=not may_check)

    def rows(self):
        return [(section, self[f"source_{section.value}"], self[f"checked_{section.value}"],
                 self.section_rows.get(section.value)) for section in Section]

    def sources(self) -> dict[str, str]:
        return {section.value: self.cleaned_data.get(f"source_{section.value}", "") for section in Section}

    def checked(self) -> dict[str, bool] | None:
        if not self.may_check:
            return None
        return {section.value: bool(self.cleaned_data.get(f"checked_{section.value}")) for section in Section}


class SectionSourcesForm(BootstrapFormMixin, _SectionSourcesFields):
    """One row per section of the card: where its data came from and whether it was checked."""


class LibraryUploadForm(_UploadMixin, BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = LibraryDocument
        fields = ["title", "category", "keywords", "description", "file"]
        widgets = {"file": forms.ClearableFileInput(attrs={"accept": FILE_ACCEPT}),
                   "description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"file": FILE_HELP, "keywords": _("Words that help to find it, separated by spaces.")}


class LibraryFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Title, description or keywords")}))
    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[("", _("All categories")), *DocumentCategory.choices])
    confirmed = forms.ChoiceField(label=_("Knowledge"), required=False, choices=[
        ("", _("All")), ("yes", _("Confirmed knowledge")), ("no", _("Not confirmed"))])

    def confirmed_value(self) -> bool | None:
        value = self.cleaned_data.get("confirmed") if self.is_valid() else ""
        return {"yes": True, "no": False}.get(value)


class _PeriodFilterMixin:
    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class AccessLogFilterForm(_PeriodFilterMixin, BootstrapFormMixin, forms.Form):
    empty_choice_label = ALL_LABEL
    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.order_by("username"), required=False)
    code = forms.CharField(label=_("Customer code"), required=False, max_length=20)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("All")), *AccessLog.Action.choices])
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("All")), *AccessLog.Channel.choices])
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput())


class ChangeLogFilterForm(_PeriodFilterMixin, BootstrapFormMixin, forms.Form):
    empty_choice_label = ALL_LABEL
    OBJECTS = [("", _("Customers and contacts")), ("customer", _("Customers")), ("contact", _("Contacts"))]

    kind = forms.ChoiceField(label=_("Records"), required=False, choices=OBJECTS)
    user = forms.ModelChoiceField(label=_("Changed by"), queryset=User.objects.order_by("username"), required=False)
    code = forms.CharField(label=_("Customer code"), required=False, max_length=20)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput())
