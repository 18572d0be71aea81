"""The customer filters (SPEC §2.2, §9), shared by the list page, the exports and the API."""

import re
import unicodedata

import django_filters
from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext_lazy as _

from customers.models import Contact, Customer, LocationType, Ownership, Stage, Tier
from customers.normalize import normalize_name, normalize_phone

# Ids above this overflow a 64-bit column (a 500 on SQLite): refused as invalid input instead.
MAX_ID = 2**63 - 1


# What people type inside phone numbers; phone_digits() removes them in SQL. The trigram indexes of
# migration 0005 are built on exactly this expression: change both together.
PHONE_SEPARATORS = ("-", " ", "(", ")", "+")
_PHONE_LIKE = re.compile(r"[\d\s\-+()]+")
MIN_PHONE_PREFIX = 3  # digits: "021" or "139" already narrows a caller down
MIN_PHONE_INSIDE = 6  # digits found anywhere in a number (the local part without the area code)
# Below three characters pg_trgm has no trigram to look up: such a term reads every row, so it is
# compared as cheaply as possible (no UPPER() on every row for a term without letter case), and a
# contact's name matches by its beginning (a surname, "王建"), served by a b-tree index.
MIN_TRIGRAM = 3
BIGRAM = 2  # characters: a trade name ("鸿祥"), found through crm_bigrams() on PostgreSQL
# A search usually finds a few archives: their ids are read once and given to the page and to its
# count as values; a term finding more than this stays a subquery.
MAX_LITERAL_IDS = 1000


def phone_digits(field: str):
    """The number in `field` without its separators, as an SQL expression (contacts' phones are
    stored as typed)."""
    expression = F(field)
    for separator in PHONE_SEPARATORS:
        expression = Replace(expression, Value(separator), Value(""))
    return expression


def _bigrams(field: str):
    from django.contrib.postgres.fields import ArrayField
    from django.db.models import Func, TextField

    return Func(F(field), function="crm_bigrams", output_field=ArrayField(TextField()))


def _contains(field: str, value: str) -> Q:
    """`field` contains `value`; for two characters on PostgreSQL, through the GIN index of its two-character
    pieces (migration 0018: pg_trgm finds no trigram in two characters)."""
    q = Q(**{f"{field}__contains": value})
    if len(value) == BIGRAM and connection.vendor == "postgresql":
        q &= Q(**{f"{field.removesuffix('_normalized')}_bigrams__contains": [value]})
    return q


def search_matches(value: str) -> QuerySet:
    """The ids of the archives a search term finds (SPEC §2.2): a part of the name (compared
    normalised, as duplicates are) or of the short name, the code or credit code, a contact's name
    (from three characters anywhere in it, shorter by its beginning), or a phone number: the
    archive's or any contact's work phone or mobile, by prefix (an area code, a mobile's first
    digits) or, from six digits on, anywhere in the number. Phones are compared as normalize_phone
    leaves them.

    One `UNION` of indexed branches (trigram indexes on PostgreSQL, migration 0005), for the caller to
    apply as `pk__in` on top of the access rules: a search never widens what a user may read."""
    caseless = value.upper() == value.lower()
    short = len(value) < MIN_TRIGRAM
    customers = Customer.objects.all()
    if connection.vendor == "postgresql":
        customers = customers.alias(name_bigrams=_bigrams("name_normalized"), short_name_bigrams=_bigrams("short_name"))
    term = Q(code__iexact=value) | Q(credit_code__iexact=value)
    term |= _contains("short_name", value) if caseless and short else Q(short_name__icontains=value)
    normalized = normalize_name(value)
    if normalized:
        term |= _contains("name_normalized", normalized)
    if short:
        contact_term = Q(name__startswith=value) if caseless else Q(name__istartswith=value)
    else:
        contact_term = Q(name__icontains=value)
    phone = normalize_phone(value)
    looks_like_phone = bool(_PHONE_LIKE.fullmatch(unicodedata.normalize("NFKC", value)))
    if len(phone) >= MIN_PHONE_INSIDE:
        term |= Q(phone_normalized__contains=phone)
    if looks_like_phone and len(phone) >= MIN_PHONE_PREFIX:
        term |= Q(phone_normalized__startswith=phone)
        lookup = "contains" if len(phone) >= MIN_PHONE_INSIDE else "startswith"
        contacts = Contact.objects.alias(phone_digits=phone_digits("phone"), mobile_digits=phone_digits("mobile"))
        contact_term = Q(**{f"phone_digits__{lookup}": phone}) | Q(**{f"mobile_digits__{lookup}": phone})
    else:
        contacts = Contact.objects.all()
    by_contact = contacts.filter(contact_term).order_by().values_list("customer_id", flat=True)
    return customers.filter(term).order_by().values_list("pk", flat=True).union(by_contact)


def search_filter(value: str) -> Q:
    """`pk__in` the archives the term finds: their ids as values when there are few (the search runs
    once, not once for the page and again for its count), else the subquery."""
    ids = list(search_matches(value)[:MAX_LITERAL_IDS + 1])
    return Q(pk__in=search_matches(value) if len(ids) > MAX_LITERAL_IDS else ids)


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
        return queryset.filter(search_filter(value))

    def filter_verification_overdue(self, queryset, name, value):
        from customers.querysets import refresh_due_cutoff

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
