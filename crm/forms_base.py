from django import forms
from django.core.exceptions import ValidationError
from django.utils.choices import BlankChoiceIterator
from django.utils.translation import gettext_lazy as _

from crm.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters

# Django's own empty choice of a select (ModelChoiceField.empty_label, a model field's BLANK_CHOICE_DASH,
# django-filter's FILTERS_EMPTY_CHOICE_LABEL): untranslated dashes on Chinese and English pages alike.
DJANGO_EMPTY_CHOICE = "---------"
CHOOSE_LABEL = _("— choose —")
ALL_LABEL = _("All")  # a filter form's empty choice: every value


class BootstrapFormMixin:
    """Gives every widget the Bootstrap 5 class it needs, puts a translated empty choice in place of Django's
    "---------", refuses control characters (NUL and other C0 controls but tab and line breaks) in every text
    value, and marks invalid fields after validation."""

    # What a select's empty choice says; a filter form, where empty means every value, says ALL_LABEL.
    empty_choice_label = CHOOSE_LABEL

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            self._relabel_empty_choice(field)
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            else:
                css = "form-control"
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def _relabel_empty_choice(self, field: forms.Field) -> None:
        # Only Django's dashes: an empty choice a form words itself ("From the routing rule") stays.
        if getattr(field, "empty_label", None) == DJANGO_EMPTY_CHOICE:
            # ModelChoiceField (and django-filter's choice fields) read empty_label when the choices are listed.
            field.empty_label = self.empty_choice_label
        elif not isinstance(field, forms.ChoiceField):
            return
        elif isinstance(field.choices, BlankChoiceIterator):
            # A model field's choices with its blank choice, still lazy: only the blank choice is replaced.
            if ("", DJANGO_EMPTY_CHOICE) in field.choices.blank_choice:
                field.choices = BlankChoiceIterator(field.choices.choices, [("", self.empty_choice_label)])
        elif isinstance(field.choices, list) and ("", DJANGO_EMPTY_CHOICE) in field.choices:
            # Choices listed with Django's blank choice; callable choices are left unevaluated.
            field.choices = [("", self.empty_choice_label) if choice == ("", DJANGO_EMPTY_CHOICE) else choice
                             for choice in field.choices]

    def full_clean(self):
        # Marking here, not in __init__: reading self.errors in __init__ would validate the form before
        # a subclass narrows its querysets, and the cached errors would then be wrong.
        super().full_clean()
        self._refuse_control_characters()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


    def _refuse_control_characters(self):
        if not hasattr(self, "cleaned_data"):
            return
        for name, value in list(self.cleaned_data.items()):
            values = value if isinstance(value, list | tuple) else [value]
            if any(has_control_characters(item) for item in values):
                self.add_error(name if name in self.fields else None, CONTROL_CHARACTERS_MESSAGE)


class ControlCharacterFormMixin:
    """For a form that is not a BootstrapFormMixin form (the admin's): refuses control characters."""

    def full_clean(self):
        super().full_clean()
        BootstrapFormMixin._refuse_control_characters(self)


def apply_service_error(form: forms.Form, error: Exception, *, field_map: dict | None = None) -> None:
    """Show an error raised by a service (ApplicationError or ValidationError) beside the field it names,
    or above the form; `field_map` renames the service's field names to the form's."""
    field_map = field_map or {}
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                field = field_map.get(field, field)
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return
    field = field_map.get(getattr(error, "field", None), getattr(error, "field", None))
    form.add_error(field if field in form.fields else None, str(getattr(error, "message", error)))
