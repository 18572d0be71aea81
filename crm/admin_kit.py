"""The admin door kit: the Django admin as one more door of an app that writes through its services and
reads under an access rule (SPEC §8). crm imports no app: each piece takes the app's rule through a hook.

- `ServiceWriteMixin` + a `Writer`: every admin write (the model's own form and its inlines) calls the
  app's service; a refusal (ApplicationError or ValidationError) shows as a form error beside the field
  it names, and nothing of the refused try is kept.
- `ReadOnlyMixin`: rows written elsewhere (their own pages, workflows, another system), shown only.
- `ReadLogMixin`: every change page (and history) read is passed to `log_record_read`, the app's access
  log (which skips the owner's own reads); a row the user may not read answers 404.
- `VisibleHistoryMixin`: django-simple-history's pages under the same rule, with no revert.
- `PermittedAutocompleteMixin`: autocomplete only towards admins the user may view.
- `AccessRuledChildAdmin`: the admin of a model that belongs to a parent read under an access rule (a
  contact of a customer): rows of readable parents only, a parent chosen among readable ones, the parent
  of a saved row fixed. The app names `parent_field` and answers `readable_parent_q(user)`.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from crm.exceptions import ApplicationError
from crm.forms_base import apply_service_error

SERVICE_ERRORS = (ApplicationError, ValidationError)

# FileFields never render a link to MEDIA (which is not served); files are reached through the apps'
# access-checked download views instead.
PRIVATE_FILES = {models.FileField: {"widget": forms.FileInput}}


class PermittedAutocompleteMixin:
    """Autocomplete widgets only for related models whose admin the user may view (the JSON view
    answers 403 otherwise); the others fall back to plain selects."""

    def get_autocomplete_fields(self, request):
        permitted = []
        for name in super().get_autocomplete_fields(request):
            related_admin = self.admin_site._registry.get(self.model._meta.get_field(name).related_model)
            if related_admin is not None and related_admin.has_view_permission(request):
                permitted.append(name)
        return permitted


# --- Writes go through the services -------------------------------------------------------------------

class _Refused(Exception):
    """A service refused a write of the change form; the errors wait on the request by form prefix."""


def form_data(form, allowed, *, changed_only: bool) -> dict:
    """The cleaned values of `form` a service takes: the fields in `allowed`, all of them or only the
    changed ones (an update passes what the user changed)."""
    names = form.changed_data if changed_only else list(form.cleaned_data)
    return {name: form.cleaned_data[name] for name in names if name in allowed and name in form.cleaned_data}


def refusal_form(form_class, request):
    """The form class, showing beside its fields the errors a service gave on the first try."""

    class RefusalForm(form_class):
        def clean(self):
            cleaned = super().clean()
            error = getattr(request, "_service_refusals", {}).get(self.prefix or "")
            if error is not None:
                apply_service_error(self, error)
            return cleaned

    RefusalForm.__name__ = form_class.__name__
    return RefusalForm


class Writer:
    """How the admin writes one model: through its services. A writer without `update` makes
    existing rows read-only; without `delete` they cannot be deleted; without `create` none is added.
    `parent` is the row's parent: the value of the admin's `parent_field` for the admin's own model,
    the admin's object for an inline's rows (None when the admin names no parent)."""

    create = None  # (request, form, parent) -> obj
    update = None  # (request, obj, form) -> obj
    delete = None  # (request, obj) -> None


class ServiceWriteMixin:
    """Every write of this admin, its inlines included, goes through the services: the same rules as the
    pages and the API. A refusal is shown as form errors beside the field it names, never a 500 and never
    half-saved: the first try is rolled back with its transaction (changeform_view's) and the form is
    validated again with the services' errors (`refusal_form`).

    `writer` writes the admin's own model; `inline_writers` maps an inline model to its writer (an inline
    without one is read-only); `parent_field`, if set, names the field whose value `writer.create` gets."""

    writer: type[Writer] = Writer
    inline_writers: dict = {}
    parent_field: str | None = None

    def _refuse(self, request, form, error):
        request._service_refusals = {**getattr(request, "_service_refusals", {}), form.prefix or "": error}
        raise _Refused

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused:
            # changeform_view's transaction is rolled back: nothing of the first try is kept.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        return refusal_form(super().get_form(request, obj, change=change, **kwargs), request)

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            formset.form = refusal_form(formset.form, request)
            yield formset, inline

    def has_change_permission(self, request, obj=None):
        if obj is not None and self.writer.update is None:
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self.writer.create is not None and super().has_add_permission(request, *args)

    def has_delete_permission(self, request, obj=None):
        return self.writer.delete is not None and super().has_delete_permission(request, obj)

    def service_create(self, request, form):
        parent = form.cleaned_data.get(self.parent_field) if self.parent_field else None
        return self.writer.create(request, form, parent)

    def save_model(self, request, obj, form, change):
        try:
            saved = self.writer.update(request, obj, form) if change else self.service_create(request, form)
        except SERVICE_ERRORS as error:
            self._refuse(request, form, error)
        # The admin goes on with `obj` (log entry, inlines, redirect): make it the saved row.
        if saved is not None and saved is not obj:
            obj.__dict__.update(saved.__dict__)

    def delete_model(self, request, obj):
        self.writer.delete(request, obj)

    def delete_queryset(self, request, queryset):
        try:
            with transaction.atomic():
                for obj in queryset:
                    self.writer.delete(request, obj)
        except ApplicationError as error:
            self.message_user(request, str(error.message), messages.ERROR)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except ApplicationError as error:
            self.message_user(request, str(error.message), messages.ERROR)
            return self.response_post_save_change(request, None)

    def save_formset(self, request, form, formset, change):
        writer = self.inline_writers.get(formset.model)
        if writer is None:  # a read-only inline
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        parent = form.instance
        new, changed, deleted = [], [], []
        for inline_form in formset.forms:
            if formset.can_delete and formset._should_delete_form(inline_form):
                if inline_form.instance.pk is None:
                    continue
                action, args, bucket = writer.delete, (request, inline_form.instance), deleted
            elif not inline_form.has_changed():
                continue
            elif inline_form.instance.pk is None:
                action, args, bucket = writer.create, (request, inline_form, parent), new
            else:
                action, args, bucket = writer.update, (request, inline_form.instance, inline_form), changed
            if action is None:
                continue
            try:
                result = action(*args)
            except SERVICE_ERRORS as error:
                self._refuse(request, inline_form, error)
            if bucket is changed:
                changed.append((result, inline_form.changed_data))
            else:
                bucket.append(result if result is not None else inline_form.instance)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = new, changed, deleted


class ReadOnlyMixin:
    """Rows written elsewhere (by their own pages, workflows or another system): shown, never written
    here. For a ModelAdmin and an inline alike."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Reads under the access rule ----------------------------------------------------------------------

class ReadLogMixin:
    """Every read of a change page (and, with VisibleHistoryMixin, of a history) is logged through the
    app's hook `log_record_read(request, record, detail)`, which records non-owners' reads (SPEC §8).
    `logged_record(obj)` is the access-ruled record the read is of: the row itself, or its parent. A row
    outside the admin's queryset answers 404, as on the pages, not the admin's redirect to its index."""

    def logged_record(self, obj):
        return obj

    def log_record_read(self, request, record, detail: str) -> None:
        raise NotImplementedError("an admin with ReadLogMixin names how a read is logged")

    def log_read(self, request, obj, detail: str = "") -> None:
        record = self.logged_record(obj) if obj is not None else None
        if record is not None:
            self.log_record_read(request, record, detail)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if object_id:
            obj = self.get_object(request, unquote(object_id))
            if obj is None:
                raise Http404
            if request.method == "GET":
                self.log_read(request, obj, "" if obj is self.logged_record(obj) else self.model._meta.model_name)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().delete_view(request, object_id, extra_context)


class VisibleHistoryMixin(ReadLogMixin):
    """django-simple-history's pages, narrowed: the history of a row one may not read is missing; it is
    shown only to those `may_see_history` allows (it holds every field's old values); no revert (writes go
    through the services)."""

    def may_see_history(self, request, obj) -> bool:
        return True

    def _history_object(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.may_see_history(request, obj):
            raise PermissionDenied
        return obj

    def history_view(self, request, object_id, extra_context=None):
        self.log_read(request, self._history_object(request, object_id), "history")
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._history_object(request, object_id)
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True


class AccessRuledChildAdmin(ServiceWriteMixin, ReadLogMixin, PermittedAutocompleteMixin, admin.ModelAdmin):
    """Admin of a model that belongs to one parent read under an access rule: rows of readable parents
    only; a parent chosen only among readable ones (`parent_choices`), and a plain select of other records
    of a parent (a contact, say) lists readable parents' only; rows written by the model's services
    (`writer`), with the change and delete buttons shown only if `may_edit_parent`; the parent of a saved
    row is not changed; a read is logged as a read of the parent.

    The app names `parent_field` (a foreign key) and answers `readable_parent_q(user)`: a filter of the
    parent model, or None when the user reads every parent."""

    parent_field: str = ""
    formfield_overrides = PRIVATE_FILES

    def readable_parent_q(self, user) -> Q | None:
        raise NotImplementedError("an AccessRuledChildAdmin names its parent's access rule")

    def may_edit_parent(self, user, parent) -> bool:
        return True

    @property
    def parent_model(self):
        return self.model._meta.get_field(self.parent_field).related_model

    def readable_parents(self, user) -> QuerySet:
        parents = self.parent_model._default_manager.all()
        q = self.readable_parent_q(user)
        return parents if q is None else parents.filter(q)

    def parent_choices(self, request) -> QuerySet:
        """The parents a new row may be given."""
        return self.readable_parents(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.readable_parent_q(request.user) is None:
            return queryset
        return queryset.filter(**{f"{self.parent_field}__in": self.readable_parents(request.user).values("pk")})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if db_field.name == self.parent_field:
            kwargs["queryset"] = self.parent_choices(request)
        elif related is not self.parent_model and any(
                field.name == self.parent_field and field.related_model is self.parent_model
                for field in related._meta.fields):
            queryset = related._default_manager.all()
            if self.readable_parent_q(request.user) is not None:
                queryset = queryset.filter(
                    **{f"{self.parent_field}__in": self.readable_parents(request.user).values("pk")})
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def parent_of(self, obj):
        return getattr(obj, self.parent_field, None) if obj is not None else None

    def logged_record(self, obj):
        return self.parent_of(obj)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or self.may_edit_parent(request.user, self.parent_of(obj))

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or self.may_edit_parent(request.user, self.parent_of(obj))

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + (self.parent_field,) if obj is not None else readonly
