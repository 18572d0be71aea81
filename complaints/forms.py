"""The complaint pages' forms: registration, and one small form per step carrying the same names as the
API's action bodies (complaints.services), so both doors hand the service the same data."""

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, ComplaintDepartment, RemedyType, Subject
from crm.forms_base import BootstrapFormMixin
from crm.models import User


class ComplaintRegisterForm(BootstrapFormMixin, forms.ModelForm):
    customer_id = forms.IntegerField(widget=forms.HiddenInput)
    customer_label = forms.CharField(label=_("Customer (name or code)"), required=False,
                                     widget=forms.TextInput(attrs={"list": "customer-options", "autocomplete": "off"}))
    received_at = forms.DateTimeField(label=_("Received at"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    class Meta:
        model = Complaint
        fields = ["channel", "subject", "complainant", "contact", "about", "shipment_no", "contract_no",
                  "description", "demand"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "demand": forms.Textarea(attrs={"rows": 2})}

    field_order = ["customer_label", "customer_id", "received_at", "channel", "subject"]


class ReplyForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(label=_("Reply to the customer"), widget=forms.Textarea(attrs={"rows": 2}))


class JudgeForm(BootstrapFormMixin, forms.Form):
    valid = forms.TypedChoiceField(label=_("Is the complaint valid?"), coerce=lambda v: v == "yes",
                                   choices=[("yes", _("Valid")), ("no", _("Not valid"))])
    text = forms.CharField(label=_("Courteous explanation (when not valid)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(BootstrapFormMixin, forms.Form):
    department = forms.ChoiceField(label=_("Responsible department"), required=False)
    handler = forms.TypedChoiceField(label=_("Handler"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("From the routing rule"))] + [
            (d.name, d.name + (" *" if d.is_external else "")) for d in ComplaintDepartment.objects.filter(
                is_active=True)]
        self.fields["handler"].choices = [
            (u.pk, u.get_full_name() or u.username) for u in User.objects.filter(is_active=True, groups__isnull=False)
            .distinct().order_by("username")]


class AnalyseForm(BootstrapFormMixin, forms.Form):
    cause = forms.CharField(label=_("Cause"), widget=forms.Textarea(attrs={"rows": 2}))
    responsible = forms.CharField(label=_("Person(s) responsible"), max_length=200)


class ProposeForm(BootstrapFormMixin, forms.Form):
    remedy_type = forms.ChoiceField(label=_("Remedy"), choices=RemedyType.choices)
    amount = forms.DecimalField(label=_("Amount (CNY)"), required=False, min_value=0, decimal_places=2)
    loss = forms.DecimalField(label=_("Loss it answers (CNY)"), required=False, min_value=0, decimal_places=2)


class ImplementForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}))
    customer_notified = forms.BooleanField(label=_("Customer notified"), required=False)
    feedback = forms.CharField(label=_("Customer's feedback"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    penalty = forms.DecimalField(label=_("Penalty on the direct responsible person (CNY)"), required=False,
                                 min_value=0, decimal_places=2)


class ReviewForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(label=_("Lessons and improvements"), widget=forms.Textarea(attrs={"rows": 2}))


class ReturnVisitForm(BootstrapFormMixin, forms.Form):
    satisfaction = forms.TypedChoiceField(label=_("Satisfaction"), coerce=int,
                                          choices=[(n, str(n)) for n in range(5, 0, -1)])
    text = forms.CharField(label=_("Return visit"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


STEP_FORMS = {"reply": ReplyForm, "judge": JudgeForm, "assign": AssignForm, "analyse": AnalyseForm,
              "propose": ProposeForm, "implement": ImplementForm, "review": ReviewForm,
              "return_visit": ReturnVisitForm, "approve_division": None, "approve_gm": None, "send_back": None}


class ComplaintFilterForm(BootstrapFormMixin, forms.Form):
    state = forms.ChoiceField(label=_("Step"), required=False)
    subject = forms.ChoiceField(label=_("Subject"), required=False, choices=[("", _("Every subject"))]
                                + list(Subject.choices))
    department = forms.ChoiceField(label=_("Department"), required=False)
    sla = forms.ChoiceField(label=_("Deadlines"), required=False, choices=[
        ("", _("Any")), ("approaching", _("Approaching")), ("breached", _("Breached")),
        ("reply_breached", _("First reply overdue")), ("implement_breached", _("Implementation overdue"))])
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput)
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput)

    def __init__(self, *args, **kwargs):
        from complaints.models import State

        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Every step")), ("open", _("Open"))] + list(State.choices)
        self.fields["department"].choices = [("", _("Every department"))] + [
            (str(d.pk), d.name) for d in ComplaintDepartment.objects.filter(is_active=True)]


