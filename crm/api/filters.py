"""Filter types of the API that the schema must state exactly (SPEC §9)."""

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

# Ids beyond a 64-bit column are refused as bad input (400) instead of reaching the database.
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.Filter):
    """A related object's id: a whole number from 1 (no fractions, unlike NumberFilter)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
