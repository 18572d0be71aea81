"""Pages of a key account's care: its service plan, its satisfaction surveys with the trend, and the
average scores by tier and by owner."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.exceptions import ApplicationError
from crm.forms_base import apply_service_error
from customers.key_accounts.care import (
    PLAN_FIELDS,
    SURVEY_FIELDS,
    satisfaction_survey_create,
    service_plan_set,
    survey_averages,
)
from customers.key_accounts.forms import ServicePlanForm, SurveyForm
from customers.key_accounts.models import SatisfactionSurvey, ServicePlan
from customers.key_accounts.views import _require_viewer
from customers.policies import can_edit_customer
from customers.views.common import log_read, readable_customer


@login_required
def service_plan_view(request, pk):
    customer = readable_customer(request, pk)
    if not can_edit_customer(request.user, customer):
        raise PermissionDenied
    plan = ServicePlan.objects.filter(customer=customer).first() or ServicePlan(customer=customer)
    form = ServicePlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            service_plan_set(customer=customer, user=request.user,
                             **{name: form.cleaned_data[name] for name in PLAN_FIELDS})
        except (ApplicationError, ValidationError) as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The service plan has been saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/key_accounts/service_plan.html", {"customer": customer, "form": form})


@login_required
def surveys_view(request, pk):
    customer = readable_customer(request, pk)
    may_edit = can_edit_customer(request.user, customer)
    form = SurveyForm(request.POST or None, initial={"surveyed_on": timezone.localdate()})
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                satisfaction_survey_create(customer=customer, user=request.user, surveyed_on=data["surveyed_on"],
                                           **{name: data[name] for name in SURVEY_FIELDS})
            except (ApplicationError, ValidationError) as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("The survey has been recorded."))
                return redirect("customers:surveys", pk=customer.pk)
    else:
        log_read(request, customer, "surveys")
    surveys = list(customer.surveys.select_related("surveyed_by").order_by("surveyed_on", "pk"))
    labels = {name: str(SatisfactionSurvey._meta.get_field(name).verbose_name) for name in
              SatisfactionSurvey.SCORE_FIELDS}
    chart = {"categories": [s.surveyed_on.isoformat() for s in surveys],
             "series": [{"name": labels[name], "data": [getattr(s, name) for s in surveys]}
                        for name in SatisfactionSurvey.SCORE_FIELDS]}
    return render(request, "customers/key_accounts/surveys.html", {
        "customer": customer, "surveys": list(reversed(surveys)), "form": form, "may_edit": may_edit,
        "chart": chart, "labels": labels})


@login_required
def survey_averages_view(request):
    _require_viewer(request.user)
    by = "owner" if request.GET.get("by") == "owner" else "tier"
    rows = survey_averages(request.user, by=by)
    key = "customer__tier" if by == "tier" else "customer__owner__username"
    table = [{"group": row[key] or "—", "surveys": row["surveys"],
              "scores": [round(row[name], 2) if row[name] is not None else None
                         for name in SatisfactionSurvey.SCORE_FIELDS]} for row in rows]
    labels = [SatisfactionSurvey._meta.get_field(name).verbose_name for name in SatisfactionSurvey.SCORE_FIELDS]
    return render(request, "customers/key_accounts/survey_averages.html", {"table": table, "labels": labels, "by": by})


urlpatterns = [
    path("<int:pk>/service-plan/", service_plan_view, name="service_plan"),
    path("<int:pk>/surveys/", surveys_view, name="surveys"),
    path("surveys/", survey_averages_view, name="survey_averages"),
]
