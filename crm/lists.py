"""Admin-editable lists (SPEC: industries, territories, natures, complaint departments, service lines…).

An app declares a list as a concrete subclass of `NamedListItem` and registers it in the admin with
`NamedListAdmin`; forms offer `active_items(Model)`. Entries are never deleted once used: they are
switched off (`is_active`), so old archives keep their value and new ones cannot pick it."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _


class NamedListItem(models.Model):
    """An entry of an admin-editable list."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        abstract = True
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


def active_items(model):
    return model.objects.filter(is_active=True).order_by("sort_order", "name")


class NamedListAdmin(admin.ModelAdmin):
    list_display = ("name", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
