"""Forms of the customer archive pages: the card (create/edit/refresh), handover, retirement and the
list filters. Forms validate input only; the views hand the cleaned data to customers.services."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _

from crm.forms_base import BootstrapFormMixin
from crm.models import Team, User
from crm.roles import Role, has_role
from crm.widgets import use_fast_selects
from customers.filters import GROUP_BY_DIMENSIONS
from customers.imports.importers import MAX_FILE_BYTES
from customers.models import (
    Customer,
    CustomerNature,
    DataSource,
    Industry,
    LocationType,
    Ownership,
    Region,
    Route,
    ServiceNeed,
    Stage,
    Tier,
)
from customers.policies import handover_candidates, may_choose_owner, owner_candidates

# The card's sections (SPEC §2.1), in the order of the printed card; the form shows one fieldset each.
CARD_SECTIONS: list[tuple[str, str, tuple[str, ...]]] = [
    ("identity", _("Identity"), (
        "name", "short_name", "credit_code", "legal_representative", "address", "postcode", "phone", "fax",
        "email", "website")),
    ("business", _("Business profile"), (
        "stage", "lost_reason", "industry", "ownership", "nature", "location_type", "region", "route",
        "route_stop", "founded_on", "first_trade_on", "organisation_form", "employees", "service_area",
        "business_scope", "sales_capability", "development_potential", "business_philosophy",
        "management_characteristics")),
    ("terms", _("The customer's own terms"), ("purchasing_policy", "typical_usage", "technical_requirements")),
    ("logistics", _("Logistics profile and service needs"), (
        "main_goods", "goods_specification", "packaging", "typical_volume", "origin_place", "destination_place",
        "has_trade_rights", "customs_domestic", "clearance_foreign", "transport_domestic", "transport_foreign",
        "loading_unloading", "service_needs")),
    ("ours", _("Our own figures (beside the competitors')"), (
        "our_goods", "our_volume", "our_share", "our_price_level", "our_sales_situation", "cooperation_note")),
    ("evaluation", _("Evaluation of the archive"), (
        "cooperation_attitude", "existing_problems", "strengths", "countermeasures", "staff_quality")),
    ("financial", _("Financials"), (
        "registered_capital", "total_assets", "annual_revenue", "bank", "bank_account", "financial_status",
        "asset_liability_ratio", "return_on_assets")),
]
CARD_FIELDS: tuple[str, ...] = tuple(name for _key, _title, names in CARD_SECTIONS for name in names)
FINANCIAL_FIELDS = set(Customer.SENSITIVE_FINANCIAL_FIELDS)
TEXTAREA_ROWS = 2

def clerks_of(teams):
    return (User.objects.filter(is_active=True, groups__name=Role.CLERK, teams__in=teams)
            .distinct().order_by("username"))


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        full = obj.get_full_name()
        return f"{full} ({obj.username})" if full else obj.username


class CustomerForm(BootstrapFormMixin, forms.ModelForm):
    """The card. Owner, tier, target and credit grade are not in it: they have their own workflows.
    On creation a clerk (not an account manager) also chooses the owner."""

    service_needs = forms.MultipleChoiceField(
        label=_("Service needs"), choices=ServiceNeed.choices, required=False,
        widget=forms.CheckboxSelectMultiple)
    website = forms.URLField(label=Customer._meta.get_field("website").verbose_name, required=False,
                             max_length=200, assume_scheme="https")
    # Not model fields of the form: the owner and the source go to customer_create, the reason to the history.
    owner = UserChoiceField(label=_("Owner"), queryset=User.objects.none(),
                            help_text=_("The account manager who looks after the customer."))
    source = forms.ChoiceField(label=_("Data source"), choices=DataSource.choices, initial=DataSource.STAFF_VISIT,
                               help_text=_("Data filled in by the customer stays unchecked until a clerk checks it."))
    change_reason = forms.CharField(label=_("Reason for the change"), max_length=200, required=False,
                                    help_text=_("Kept in the archive's change history."))

    class Meta:
        model = Customer
        fields = list(CARD_FIELDS)
        widgets = {name: forms.Textarea(attrs={"rows": TEXTAREA_ROWS}) for name in (
            "business_scope", "sales_capability", "development_potential", "business_philosophy",
            "management_characteristics", "purchasing_policy", "typical_usage", "technical_requirements",
            "financial_status")}

    def __init__(self, *args, user, creating: bool = False, show_financials: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.fields["route"].queryset = Route.objects.select_related("region")
        self.fields["industry"].queryset = Industry.objects.filter(is_active=True)
        self.fields["nature"].queryset = CustomerNature.objects.filter(is_active=True)
        self.fields["region"].queryset = Region.objects.filter(is_active=True)
        if not show_financials:
            # Someone who may not see the financials may not overwrite them either (SPEC §8).
            for name in FINANCIAL_FIELDS:
                self.fields.pop(name, None)
        if creating:
            del self.fields["change_reason"]
            if may_choose_owner(user):
                candidates = owner_candidates(user)
                self.fields["owner"].queryset = candidates
                if not self.is_bound and candidates.filter(pk=user.pk).exists():
                    self.initial["owner"] = user.pk
            else:
                del self.fields["owner"]
        else:
            del self.fields["owner"]
            # On an edit: where the new data came from; the customer's own data waits for a clerk's check.
            self.fields["source"].label = _("Source of the changed data")
            self.fields["source"].required = False
        # Multiple checkboxes are laid out by the template, not styled as one input.
        self.fields["service_needs"].widget.attrs.pop("class", None)

    def _post_clean(self):
        # As ModelForm._post_clean, without the model's unique constraints: duplicates (name, credit
        # code, phone) are the service's check, which names the existing archive.
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        except ValidationError as error:
            self._update_errors(error)
        try:
            self.instance.full_clean(exclude=self._get_validation_exclusions(), validate_unique=False,
                                     validate_constraints=False)
        except ValidationError as error:
            self._update_errors(error)

    def sections(self) -> list[dict]:
        """The fieldsets of the template: [{"key", "title", "fields": [BoundField]}]."""
        result = []
        for key, title, names in CARD_SECTIONS:
            bound = [self[name] for name in names if name in self.fields]
            if bound:
                result.append({"key": key, "title": title, "fields": bound})
        filing = [self[name] for name in ("owner", "source") if name in self.fields and self.creating]
        if filing:
            result.insert(0, {"key": "filing", "title": _("Filing"), "fields": filing})
        if "change_reason" in self.fields:
            result.append({"key": "reason", "title": _("Reason for the change"),
                           "fields": [self[name] for name in ("change_reason", "source") if name in self.fields]})
        return result

    def model_values(self, *, only_changed: bool = False) -> dict:
        """The card's fields, ready for customer_create / customer_update."""
        names = [name for name in CARD_FIELDS if name in self.fields]
        if only_changed:
            names = [name for name in names if name in self.changed_data]
        return {name: self.cleaned_data[name] for name in names}

    def changed_sections(self) -> list[str]:
        """The card sections (customers.models.Section) whose fields this edit changed."""
        return [key for key, _title, names in CARD_SECTIONS if set(names) & set(self.changed_data)]


class HandoverForm(BootstrapFormMixin, forms.Form):
    to_user = UserChoiceField(label=_("New owner"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300)
    note = forms.CharField(label=_("Handover note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("What the new owner should know: open matters, files, habits."))
    files_received_by = UserChoiceField(
        label=_("Files received by"), queryset=User.objects.none(), required=False,
        help_text=_("The clerk who receives, sorts and files the paper files (接收、整理、归档)."))

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = handover_candidates().exclude(pk=customer.owner_id)
        teams = Team.objects.filter(pk=customer.team_id) if customer.team_id else customer.owner.teams.all()
        self.fields["files_received_by"].queryset = clerks_of(teams)


class HandoverAllForm(BootstrapFormMixin, forms.Form):
    from_user = UserChoiceField(label=_("Leaving owner"), queryset=User.objects.none(),
                                help_text=_("Every archive this user owns is handed over."))
    to_user = UserChoiceField(label=_("New owner"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300)
    note = forms.CharField(label=_("Handover note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    files_received_by = UserChoiceField(
        label=_("Files received by"), queryset=User.objects.none(), required=False,
        help_text=_("The clerk who receives, sorts and files the paper files (接收、整理、归档)."))

    def __init__(self, *args, user, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = owners
        self.fields["to_user"].queryset = handover_candidates()
        if has_role(user, Role.GM):
            clerks = User.objects.filter(is_active=True, groups__name=Role.CLERK).order_by("username")
        else:
            clerks = clerks_of(user.teams.all())
        self.fields["files_received_by"].queryset = clerks

    def clean(self):
        data = super().clean()
        if data.get("from_user") and data.get("to_user") and data["from_user"] == data["to_user"]:
            self.add_error("to_user", _("Choose a different new owner."))
        return data


class DeactivateForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for retiring the archive"), max_length=300,
                             help_text=_("For example: out of business, merged, duplicate, no longer useful."))


class RefreshNoteForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


ANY = _("Any")


def _choices(items, empty=ANY):
    return [("", empty), *items]


class CustomerListForm(BootstrapFormMixin, forms.Form):
    """The widgets of the list's filters. The parameter names are CustomerFilter's, which does the
    filtering; this form only offers the values to choose from."""

    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Name, code, phone, credit code")}))
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=_choices(Stage.choices))
    tier = forms.ChoiceField(label=_("Key-account tier"), required=False, choices=_choices(Tier.choices))
    credit_grade = forms.ChoiceField(label=_("Credit grade"), required=False, choices=_choices(Tier.choices))
    region = forms.ChoiceField(label=_("Sales territory"), required=False)
    route = forms.ChoiceField(label=_("Route"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    nature = forms.ChoiceField(label=_("Nature"), required=False)
    ownership = forms.ChoiceField(label=_("Ownership"), required=False, choices=_choices(Ownership.choices))
    location_type = forms.ChoiceField(label=_("Location type"), required=False,
                                      choices=_choices(LocationType.choices))
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    is_checked = forms.ChoiceField(label=_("Checked"), required=False, choices=_choices(
        [("true", _("Checked")), ("false", _("Unchecked"))]))
    churn_risk = forms.ChoiceField(label=_("Churn risk"), required=False, choices=_choices(
        [("true", _("At risk")), ("false", _("Not at risk"))]))
    verification_overdue = forms.ChoiceField(label=_("Verification"), required=False, choices=_choices(
        [("true", _("Overdue")), ("false", _("Up to date"))]))
    is_active = forms.ChoiceField(label=_("Status"), required=False, choices=_choices(
        [("true", _("Active")), ("false", _("Retired"))]))
    include_retired = forms.BooleanField(label=_("Include retired"), required=False)
    group_by = forms.ChoiceField(label=_("Group by"), required=False, choices=_choices(
        [(key, label) for key, (_field, label) in GROUP_BY_DIMENSIONS.items()], empty=_("No grouping")))

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _choices([(r.name, r.name) for r in Region.objects.all()])
        self.fields["industry"].choices = _choices([(i.name, i.name) for i in Industry.objects.all()])
        self.fields["nature"].choices = _choices([(n.name, n.name) for n in CustomerNature.objects.all()])
        self.fields["route"].choices = _choices([(str(r.pk), str(r)) for r in Route.objects.select_related("region")])
        self.fields["team"].choices = _choices([(str(t.pk), t.name) for t in Team.objects.all()])
        self.fields["owner"].choices = _choices(
            [(str(u.pk), UserChoiceField.label_from_instance(None, u)) for u in owners])
        for field in self.fields.values():
            css = field.widget.attrs.get("class", "")
            if "form-select" in css:
                field.widget.attrs["class"] = css + " form-select-sm"
            elif "form-control" in css:
                field.widget.attrs["class"] = css + " form-control-sm"
        use_fast_selects(self)  # the owner list holds hundreds of users: no template per <option>

    def active_filters(self) -> list[tuple[str, str]]:
        """(label, shown value) of the filters in use, for the page and the export's header."""
        if not self.is_bound:
            return []
        result = []
        for name, field in self.fields.items():
            if name in ("group_by",):
                continue
            value = self.data.get(name)
            if not value:
                continue
            shown = dict(getattr(field, "choices", [])).get(value, value) if hasattr(field, "choices") else value
            result.append((str(field.label), str(shown)))
        return result


class SpreadsheetUploadForm(BootstrapFormMixin, forms.Form):
    """A CSV or XLSX file of at most 20 MB: the import page's and the business-record upload's."""

    file = forms.FileField(label=_("File (CSV or XLSX)"), help_text=_("The first row holds the column headers."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("Upload a CSV or XLSX file."))
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB; split it."))
        return upload

