"""The customer filters (SPEC §2.2, §9), shared by the list page, the exports and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, LocationType, Ownership, Stage, Tier
from customers.normalize import normalize_name, normalize_phone

# Ids above this overflow a 64-bit column (a 500 on SQLite): refused as invalid input instead.
MAX_ID = 2**63 - 1


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label=_("Stage"))
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("Key-account tier"))
    credit_grade = django_filters.ChoiceFilter(choices=Tier.choices, label=_("Credit grade"))
    owner = django_filters.NumberFilter(field_name="owner_id", min_value=1, max_value=MAX_ID, label=_("Owner"))
    team = django_filters.NumberFilter(field_name="team_id", min_value=1, max_value=MAX_ID, label=_("Team"))
    region = django_filters.CharFilter(field_name="region__name", label=_("Sales territory"))
    route = django_filters.NumberFilter(field_name="route_id", min_value=1, max_value=MAX_ID, label=_("Route"))
    industry = django_filters.CharFilter(field_name="industry__name", label=_("Industry"))
    nature = django_filters.CharFilter(field_name="nature__name", label=_("Nature"))
    ownership = django_filters.ChoiceFilter(choices=Ownership.choices, label=_("Ownership"))
    location_type = django_filters.ChoiceFilter(choices=LocationType.choices, label=_("Location type"))
    is_checked = django_filters.BooleanFilter(label=_("Checked"))
    is_active = django_filters.BooleanFilter(label=_("Active"))
    churn_risk = django_filters.BooleanFilter(label=_("Churn risk"))
    verification_overdue = django_filters.BooleanFilter(method="filter_verification_overdue",
                                                        label=_("Verification overdue"))

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        term = (Q(name__icontains=value) | Q(short_name__icontains=value) | Q(code__iexact=value)
                | Q(credit_code__iexact=value))
        normalized = normalize_name(value)
        if normalized:
            term |= Q(name_normalized__contains=normalized)
        phone = normalize_phone(value)
        if len(phone) >= 6:
            term |= Q(phone_normalized__contains=phone)
        return queryset.filter(term)

    def filter_verification_overdue(self, queryset, name, value):
        from customers.services import refresh_due_cutoff

        cutoff = refresh_due_cutoff()
        overdue = Q(last_verified_on__lte=cutoff) | Q(last_verified_on__isnull=True, created_at__date__lte=cutoff)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class CustomerIdentityFilter(CustomerFilter):
    """The filters of integration accounts, who see identity fields only (SPEC §8): filtering by an
    owner, a tier or a credit grade would tell them what they may not see, so those filters are absent
    (and their parameters ignored)."""

    IDENTITY_FILTERS = ("q", "stage", "region", "industry", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.filters):
            if name not in self.IDENTITY_FILTERS:
                del self.filters[name]


# Dimensions the list page and the classification summary group by (SPEC §2.2).
GROUP_BY_DIMENSIONS = {
    "ownership": ("ownership", _("Ownership")),
    "nature": ("nature__name", _("Nature")),
    "location_type": ("location_type", _("Location type")),
    "region": ("region__name", _("Sales territory")),
    "route": ("route__name", _("Route")),
    "industry": ("industry__name", _("Industry")),
    "tier": ("tier", _("Key-account tier")),
    "credit_grade": ("credit_grade", _("Credit grade")),
    "stage": ("stage", _("Stage")),
    "owner": ("owner__username", _("Owner")),
}
