"""Widgets that render fast. Django renders every <option> of a <select> through a template include:
a filter form whose owner list holds 700 users spends most of a list page's time there (issue 9)."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """forms.Select with the same HTML (Django's select.html and select_option.html), built in Python."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            for option in options:
                parts.append(format_html('<option value="{}"{}>{}</option>', option["value"],
                                         flatatt(option["attrs"]), option["label"]))
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308  (every part is escaped by format_html)


def use_fast_selects(form: forms.BaseForm) -> None:
    """Swap the plain single <select> widgets of `form` for FastSelect (same attributes, same HTML)."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            fast = FastSelect(attrs=widget.attrs, choices=widget.choices)
            fast.is_required = widget.is_required
            field.widget = fast
