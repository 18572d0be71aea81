"""Pipeline pages: leads and prospects with the quick entry on top, one archive's pipeline card (profile,
stage steps, history), and the conversion rates by source and by owner (table, chart, XLSX)."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.forms_base import apply_service_error
from crm.roles import Role, has_role
from crm.tabular import XLSX_CONTENT_TYPE, write_xlsx
from crm.workflow_views import TransitionView
from customers.pipeline.forms import ConversionFilterForm, LeadQuickForm, PipelineProfileForm
from customers.pipeline.models import PipelineProfile
from customers.pipeline.selectors import conversion_rates, pipeline_counts, pipeline_list
from customers.pipeline.services import EDIT_LABEL, FILE_LABEL, STAGE_FLOW, lead_create, pipeline_profile_update
from customers.policies import can_edit_customer, can_file_archive, is_identity_only
from customers.querysets import IdsFirst
from customers.services import DuplicateCustomerError
from customers.views.common import log_read, readable_customer

PAGE_SIZE = 50
STEP_LABELS = {"file": FILE_LABEL, "edit": EDIT_LABEL}
PIPELINE_ROLES = (Role.ACCOUNT_MANAGER, Role.CLERK, Role.DEPT_HEAD, Role.GM)


def _require_pipeline_user(user) -> None:
    if not has_role(user, *PIPELINE_ROLES) or is_identity_only(user):
        raise Http404("No such page")


@login_required
def lead_list(request):
    _require_pipeline_user(request.user)
    form = LeadQuickForm(request.POST or None)
    duplicate = None
    if request.method == "POST":
        if not can_file_archive(request.user):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                customer = lead_create(
                    user=request.user, name=data["name"], contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"], lead_source=data["lead_source"],
                    value_grade=data["value_grade"], importance=data["importance"],
                    follow_up_due=data["follow_up_due"],
                    **{k: data[k] for k in ("industry", "nature") if data.get(k) is not None})
            except DuplicateCustomerError as error:
                duplicate = error
                form.add_error("name", str(error.message))
            except PermissionDeniedError:
                raise PermissionDenied from None
            except (ApplicationError, ValidationError) as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("%(name)s has been entered as a lead.") % {"name": customer.name})
                return redirect("customers:leads")
    stage = request.GET.get("stage", "")
    overdue = request.GET.get("overdue") == "1"
    mine = request.GET.get("mine") == "1"
    qs = pipeline_list(request.user, stage=stage, overdue_only=overdue, owner=request.user if mine else None)
    # The page's ids first: sorting 26,000 whole archives by the follow-up date took 100 ms, their ids 30.
    page = Paginator(IdsFirst(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "customers/pipeline/list.html", {
        "form": form, "page_obj": page, "stage": stage, "overdue": overdue, "mine": mine, "duplicate": duplicate,
        "counts": pipeline_counts(request.user), "today": timezone.localdate(),
        "may_file": can_file_archive(request.user),
    })


@login_required
def pipeline_card(request, pk):
    _require_pipeline_user(request.user)
    customer = readable_customer(request, pk)
    profile = PipelineProfile.objects.filter(customer=customer).first() or PipelineProfile(customer=customer)
    may_edit = can_edit_customer(request.user, customer)
    form = PipelineProfileForm(request.POST or None, instance=profile)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                pipeline_profile_update(customer=customer, user=request.user,
                                        **{name: form.cleaned_data[name] for name in form.changed_data})
            except ApplicationError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("The pipeline card has been saved."))
                return redirect("customers:pipeline", pk=customer.pk)
    else:
        log_read(request, customer, "pipeline")
    return render(request, "customers/pipeline/card.html", {
        "customer": customer, "profile": profile, "form": form, "may_edit": may_edit,
        "actions": STAGE_FLOW.available(request.user, customer),
        "timeline": STAGE_FLOW.timeline(customer, labels=STEP_LABELS),
    })


class StageMoveView(TransitionView):
    workflow = STAGE_FLOW

    def get_object(self):
        _require_pipeline_user(self.request.user)
        return readable_customer(self.request, self.kwargs["pk"])

    def get_success_url(self, obj) -> str:
        return reverse("customers:pipeline", args=[obj.pk])


def _conversion_period(request) -> tuple[ConversionFilterForm, dt.date, dt.date, str]:
    today = timezone.localdate()
    initial = {"start": today.replace(month=1, day=1), "end": today, "by": "source"}
    form = ConversionFilterForm(request.GET or initial)
    data = form.cleaned_data if form.is_valid() else initial
    return form, data["start"], data["end"], data["by"]


@login_required
def conversion_view(request):
    _require_pipeline_user(request.user)
    form, start, end, by = _conversion_period(request)
    rows = conversion_rates(request.user, start=start, end=end, by=by)
    headers = [_("Lead source") if by == "source" else _("Owner"), _("Leads"), _("Validated"),
               _("Validation rate (%)"), _("Won"), _("Win rate (%)"), _("Discarded"), _("Lost")]
    table = [[r.label, r.leads, r.validated, r.validation_rate, r.won, r.win_rate, r.discarded, r.lost] for r in rows]
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(write_xlsx([(_("Conversion"), headers, table)]), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="conversion-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
        return response
    chart = {"categories": [r.label for r in rows], "unit": "%", "series": [
        {"name": str(CHART_LABELS["validation"]), "data": [r.validation_rate or 0 for r in rows]},
        {"name": str(CHART_LABELS["win"]), "data": [r.win_rate or 0 for r in rows]}]}
    return render(request, "customers/pipeline/conversion.html", {
        "form": form, "rows": rows, "headers": headers, "chart": chart, "start": start, "end": end, "by": by,
        "query": request.GET.urlencode()})


CHART_LABELS = {"validation": gettext_lazy("Validation rate"), "win": gettext_lazy("Win rate")}

urlpatterns = [
    path("leads/", lead_list, name="leads"),
    path("leads/conversion/", conversion_view, name="conversion"),
    path("<int:pk>/pipeline/", pipeline_card, name="pipeline"),
    path("<int:pk>/pipeline/move/", StageMoveView.as_view(), name="pipeline_move"),
]
