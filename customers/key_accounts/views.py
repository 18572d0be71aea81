"""Key-account pages: the applications with a 'waiting for me' queue, one application with its history and
the decision buttons, the filing form from the customer card, and the candidates proposed from revenue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from crm.forms_base import apply_service_error
from crm.workflow_views import TransitionView
from customers.key_accounts.forms import DecisionForm, KeyAccountApplicationForm
from customers.key_accounts.models import TEN_THOUSAND, KeyAccountApplication
from customers.key_accounts.policies import can_file_application, can_see_applications
from customers.key_accounts.selectors import (
    applications_visible_to,
    applications_waiting_for,
    key_account_candidates,
)
from customers.key_accounts.services import (
    FILE_LABEL,
    KEY_ACCOUNT_FLOW,
    TABLE_FIELDS,
    key_account_application_create,
    thresholds_for,
)
from customers.views.common import log_read, readable_customer

PAGE_SIZE = 50
STEP_LABELS = {"file": FILE_LABEL, "propose": gettext_lazy("Proposed by the yearly review")}


def _require_viewer(user) -> None:
    if not can_see_applications(user):
        raise Http404("No such page")


@login_required
def application_list(request):
    _require_viewer(request.user)
    show = request.GET.get("show", "")
    if show == "mine":
        qs = applications_waiting_for(request.user)
    else:
        qs = applications_visible_to(request.user)
        status = request.GET.get("status", "")
        if status in KeyAccountApplication.Status.values:
            qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "customers/key_accounts/list.html", {
        "page_obj": page, "show": show, "status": request.GET.get("status", ""),
        "statuses": KeyAccountApplication.Status.choices, "waiting": applications_waiting_for(request.user).count(),
    })


@login_required
def application_detail(request, pk):
    _require_viewer(request.user)
    application = get_object_or_404(applications_visible_to(request.user), pk=pk)
    log_read(request, application.customer, "key-account application")
    return render(request, "customers/key_accounts/detail.html", {
        "application": application, "actions": KEY_ACCOUNT_FLOW.available(request.user, application),
        "timeline": KEY_ACCOUNT_FLOW.timeline(application, labels=STEP_LABELS), "form": DecisionForm(),
        "table_fields": [(KeyAccountApplication._meta.get_field(name).verbose_name, getattr(application, name))
                         for name in TABLE_FIELDS],
    })


class ApplicationDecisionView(TransitionView):
    workflow = KEY_ACCOUNT_FLOW
    forms = {"approve": None, "reject": None}

    def get_object(self):
        _require_viewer(self.request.user)
        return get_object_or_404(applications_visible_to(self.request.user), pk=self.kwargs["pk"])

    def get_success_url(self, obj) -> str:
        return reverse("customers:key_account_detail", args=[obj.pk])


@login_required
def application_create(request, pk):
    customer = readable_customer(request, pk)
    if not can_file_application(request.user, customer):
        raise PermissionDenied
    form = KeyAccountApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = key_account_application_create(
                customer=customer, user=request.user, annual_revenue_target=data["target_wan"] * TEN_THOUSAND,
                reason=data["reason"], **{name: data.get(name, "") for name in TABLE_FIELDS})
        except PermissionDeniedError:
            raise PermissionDenied from None
        except ConflictError as error:
            messages.warning(request, str(error.message))
        except ApplicationError as error:
            apply_service_error(form, error, field_map={"annual_revenue_target": "target_wan"})
        else:
            messages.success(request, _("The application has been filed: it waits for the department head."))
            return redirect("customers:key_account_detail", pk=application.pk)
    return render(request, "customers/key_accounts/form.html", {
        "form": form, "customer": customer, "thresholds": thresholds_for(_this_year())})


@login_required
def candidates(request):
    _require_viewer(request.user)
    rows = key_account_candidates(request.user)
    return render(request, "customers/key_accounts/candidates.html", {
        "rows": rows, "thresholds": thresholds_for(_this_year())})


def _this_year() -> int:
    return timezone.localdate().year


urlpatterns = [
    path("key-accounts/", application_list, name="key_accounts"),
    path("key-accounts/candidates/", candidates, name="key_account_candidates"),
    path("key-accounts/<int:pk>/", application_detail, name="key_account_detail"),
    path("key-accounts/<int:pk>/decide/", ApplicationDecisionView.as_view(), name="key_account_decide"),
    path("<int:pk>/key-account/apply/", application_create, name="key_account_apply"),
]
