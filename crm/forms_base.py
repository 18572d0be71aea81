from django import forms
from django.core.exceptions import ValidationError

from crm.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters


class BootstrapFormMixin:
    """Gives every widget the Bootstrap 5 class it needs, refuses control characters (NUL and other C0
    controls but tab and line breaks) in every text value, and marks invalid fields after validation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
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
