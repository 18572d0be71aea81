"""Service-request pages: the queues (mine, my teams', all I may see), registration from a call, one
request with its history and the forms of the steps I may take."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import ServiceRequest
from complaints.policies import can_register
from complaints.service_requests import (
    REGISTER_LABEL,
    REQUEST_FLOW,
    request_queue,
    requests_visible_to,
    service_request_register,
)
from complaints.views import _customer_from_label, _require_person
from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.forms_base import CHOOSE_LABEL, BootstrapFormMixin
from crm.models import User
from crm.workflow_views import TransitionView


class RequestForm(BootstrapFormMixin, forms.ModelForm):
    customer_label = forms.CharField(label=gettext_lazy("Customer (name or code)"))

    class Meta:
        model = ServiceRequest
        fields = ["channel", "caller", "order_no", "request_type", "business_line", "question"]
        widgets = {"question": forms.Textarea(attrs={"rows": 2})}

    field_order = ["customer_label", "caller", "order_no", "request_type", "business_line", "channel", "question"]


class EscalateForm(BootstrapFormMixin, forms.Form):
    to = forms.TypedChoiceField(label=gettext_lazy("To (a superior)"), coerce=int, required=False, empty_value=None)
    department = forms.CharField(label=gettext_lazy("Or a department"), required=False, max_length=100)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [("", CHOOSE_LABEL)] + [
            (u.pk, u.get_full_name() or u.username) for u in User.objects.filter(
                is_active=True, groups__name__in=["dept_head", "gm"]).distinct().order_by("username")]


class AnswerForm(BootstrapFormMixin, forms.Form):
    result = forms.CharField(label=gettext_lazy("Result given to the customer"),
                             widget=forms.Textarea(attrs={"rows": 2}))


class ScoreForm(BootstrapFormMixin, forms.Form):
    score = forms.TypedChoiceField(label=gettext_lazy("Customer's score"), coerce=int,
                                   choices=[(n, str(n)) for n in range(5, 0, -1)])


STEP_FORMS = {"escalate": EscalateForm, "answer": AnswerForm, "score": ScoreForm}


@login_required
def request_list(request):
    _require_person(request.user)
    show = request.GET.get("show", "mine")
    if show == "team":
        qs = request_queue(request.user, team=True)
    elif show == "all":
        qs = requests_visible_to(request.user)
    else:
        qs = request_queue(request.user)
    page = Paginator(qs.order_by("-received_at", "-id"), 50).get_page(request.GET.get("page"))
    form = RequestForm() if can_register(request.user) else None
    return render(request, "complaints/requests.html", {"page_obj": page, "show": show, "form": form})


@login_required
def request_register(request):
    if not can_register(request.user):
        raise PermissionDenied
    form = RequestForm(request.POST)
    customer = _customer_from_label(request.POST.get("customer_label", ""))
    if customer is None:
        form.add_error("customer_label", _("Pick the customer from the list, or type its code or full name."))
    elif form.is_valid():
        try:
            item = service_request_register(user=request.user, customer=customer,
                                            **{name: form.cleaned_data[name] for name in RequestForm.Meta.fields})
        except PermissionDeniedError:
            raise PermissionDenied from None
        except (ApplicationError, ValidationError) as error:
            messages.error(request, str(getattr(error, "message", error)))
        else:
            messages.success(request, _("Service request #%(id)s registered.") % {"id": item.pk})
            return redirect("complaints:request_detail", pk=item.pk)
    page = Paginator(request_queue(request.user), 50).get_page(1)
    return render(request, "complaints/requests.html", {"page_obj": page, "show": "mine", "form": form})


@login_required
def request_detail(request, pk):
    _require_person(request.user)
    item = get_object_or_404(requests_visible_to(request.user), pk=pk)
    steps = REQUEST_FLOW.available(request.user, item)
    return render(request, "complaints/request_detail.html", {
        "item": item, "forms": [{"step": s, "form": STEP_FORMS[s.name]()} for s in steps],
        "timeline": REQUEST_FLOW.timeline(item, labels={"register": REGISTER_LABEL})})


class RequestActionView(TransitionView):
    workflow = REQUEST_FLOW
    forms = STEP_FORMS

    def get_object(self):
        _require_person(self.request.user)
        return get_object_or_404(requests_visible_to(self.request.user), pk=self.kwargs["pk"])

    def get_success_url(self, obj) -> str:
        return reverse("complaints:request_detail", args=[obj.pk])


urlpatterns = [
    path("requests/", request_list, name="requests"),
    path("requests/new/", request_register, name="request_register"),
    path("requests/<int:pk>/", request_detail, name="request_detail"),
    path("requests/<int:pk>/act/", RequestActionView.as_view(), name="request_act"),
]
