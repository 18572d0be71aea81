"""Filters of business records, shared by the REST API and the list page."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy

from crm.forms_base import ALL_LABEL, BootstrapFormMixin
from customers.business_records.selectors import business_records_overdue
from customers.business_records.upsert import MAX_DB_ID
from customers.models import BusinessRecord, service_type_filter_choices
from customers.normalize import normalize_name


def _service_type_choices() -> list[tuple[str, str]]:
    return [("", gettext_lazy("All types")), *service_type_filter_choices()]


class BusinessRecordFilterForm(BootstrapFormMixin, forms.Form):
    empty_choice_label = ALL_LABEL


class BusinessRecordFilter(django_filters.FilterSet):
    """Filters of business records, shared by the REST API and the list page."""

    q = django_filters.CharFilter(method="filter_search", label=gettext_lazy("Customer code or name"))
    customer = django_filters.NumberFilter(field_name="customer_id", label=gettext_lazy("Customer id"),
                                           min_value=1, max_value=MAX_DB_ID)
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=gettext_lazy("From"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=gettext_lazy("To"))
    # A code filter for the API (any finer code); the page offers the types and transport modes in words.
    service_type = django_filters.CharFilter(
        method="filter_service_type", label=gettext_lazy("Service type"),
        widget=forms.Select(choices=lazy(_service_type_choices, list)()))
    external_id = django_filters.CharFilter(field_name="external_id", label=gettext_lazy("Freight system id"))
    # A yes/no question (not Django's 未知/是/否): "no" shows every record; the API may still send false.
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=gettext_lazy("Overdue only"),
        widget=forms.Select(choices=[("", gettext_lazy("No")), ("true", gettext_lazy("Yes"))]))

    class Meta:
        model = BusinessRecord
        fields: list[str] = []
        form = BusinessRecordFilterForm

    def filter_search(self, queryset, name, value):
        value = " ".join((value or "").split())
        if not value:
            return queryset
        term = Q(customer__code__iexact=value) | Q(customer__name__icontains=value)
        normalized = normalize_name(value)
        if normalized:
            term |= Q(customer__name_normalized__contains=normalized)
        return queryset.filter(term)

    def filter_service_type(self, queryset, name, value):
        value = (value or "").strip().lower()
        if not value:
            return queryset
        return queryset.filter(Q(service_type=value) | Q(service_type__startswith=f"{value}."))

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = business_records_overdue(queryset)
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))
