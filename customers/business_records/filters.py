"""Filters of business records, shared by the REST API and the list page."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy

from crm.forms_base import BootstrapFormMixin
from customers.business_records.selectors import business_records_overdue
from customers.business_records.upsert import MAX_DB_ID
from customers.models import BusinessRecord
from customers.normalize import normalize_name


class BusinessRecordFilterForm(BootstrapFormMixin, forms.Form):
    pass


class BusinessRecordFilter(django_filters.FilterSet):
    """Filters of business records, shared by the REST API and the list page."""

    q = django_filters.CharFilter(method="filter_search", label=gettext_lazy("Customer code or name"))
    customer = django_filters.NumberFilter(field_name="customer_id", label=gettext_lazy("Customer id"),
                                           min_value=1, max_value=MAX_DB_ID)
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=gettext_lazy("From"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=gettext_lazy("To"))
    service_type = django_filters.CharFilter(method="filter_service_type", label=gettext_lazy("Service type"),
                                             help_text=gettext_lazy("transport also finds transport.sea."))
    external_id = django_filters.CharFilter(field_name="external_id", label=gettext_lazy("Freight system id"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=gettext_lazy("Overdue only"))

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
