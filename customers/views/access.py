"""Confidentiality pages (SPEC §8): asking for access to an archive, deciding and revoking grants,
the access log, and the review of changes made to archives and contacts.

Asking for access must work for archives the user may not read, whose card answers 404. So a request
names the archive by its code, by an id or by the value the filing form found a duplicate of, and it is
recorded the same way whether or not an archive answers to it (customers/access_requests.py): the
message, the "my requests" row and the "already asked" refusal never tell whether it exists or whose
it is. The steps (grant, refuse, withdraw) go through the workflow kit's TransitionView.
"""

import datetime as dt
from heapq import merge

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from crm.exceptions import ApplicationError
from crm.forms_base import apply_service_error
from crm.history import changes_between, readable_changes
from crm.tabular import CSV_CONTENT_TYPE, csv_stream
from crm.workflow_views import TransitionView
from customers.access_forms import AccessDecisionForm, AccessRequestForm, AccessRevokeForm, AccessWithdrawForm
from customers.access_requests import (
    ACCESS_FLOW,
    access_grant_revoke,
    access_request_create,
    access_request_timeline,
    target_by_code,
    target_by_id,
    target_by_match,
)
from customers.card_section_forms import AccessLogFilterForm, ChangeLogFilterForm
from customers.models import AccessLog, AccessRequest, Contact, Customer, ServiceNeed
from customers.policies import can_read_customer, can_review_logs, decides_access
from customers.selectors import access_grants_revocable_by, access_requests_decidable_by, readable_customer_ids
from customers.services import access_log_record
from customers.views.common import card_url

PAGE_SIZE = 50


def _neutral_message() -> str:
    return _("If this archive exists, the request was sent to its department head. You will be notified of "
             "the decision.")


def _request_page(request, *, mode: str, pk: int | None = None):
    """Shared by the by-code, by-id and duplicate-match doors. Nothing here depends on whether the
    archive exists, except the redirect of a user who may read it already (which reveals nothing)."""
    data = request.POST or None
    initial = {"code": request.GET.get("code", "")} if mode == "code" else None
    if mode == "match" and data is None:
        initial = {"match_field": request.GET.get("field", ""), "match_value": request.GET.get("value", "")}
    form = AccessRequestForm(data, initial=initial, mode=mode)
    if request.method == "POST" and form.is_valid():
        if mode == "code":
            target = target_by_code(form.cleaned_data["code"])
        elif mode == "match":
            target = target_by_match(form.cleaned_data["match_field"], form.cleaned_data["match_value"])
        else:
            target = target_by_id(pk)
        if target.customer is not None and can_read_customer(request.user, target.customer):
            messages.info(request, _("You can already read this archive."))
            return redirect(card_url(target.customer))
        try:
            access_request_create(user=request.user, reason=form.cleaned_data["reason"], target=target)
        except ApplicationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _neutral_message())
            return redirect("customers:access_requests")
    return render(request, "customers/access/request.html", {"form": form, "with_code": mode == "code",
                                                             "mode": mode})


@login_required
def access_request_create_view(request, pk: int | None = None):
    if pk is not None:
        return _request_page(request, mode="id", pk=pk)
    if request.POST.get("match_field") or request.GET.get("field"):
        return _request_page(request, mode="match")
    return _request_page(request, mode="code")


def _pending_first(qs):
    return qs.annotate(pending_first=Case(When(status=AccessRequest.Status.PENDING, then=Value(0)), default=Value(1),
                                          output_field=IntegerField())).order_by("pending_first", "-created_at")


def _annotate_for_requester(user, items) -> None:
    """What the requester may see of each request: the card only once they may read it."""
    readable = readable_customer_ids(user, [item.customer_id for item in items if item.customer_id])
    for item in items:
        item.readable = item.customer_id is not None and (readable is None or item.customer_id in readable)
        item.card_url = card_url(item.customer) if item.readable else ""
        item.current_grant = getattr(item, "grant", None)


@login_required
def access_requests_view(request):
    """My requests, and for department heads and the GM the requests they decide and the grants they keep."""
    user = request.user
    mine = list(_pending_first(AccessRequest.objects.filter(requester=user)
                               .select_related("customer", "decided_by", "grant"))[:100])
    _annotate_for_requester(user, mine)
    context = {"mine": mine, "decides": decides_access(user), "decision_form": AccessDecisionForm()}
    if context["decides"]:
        decidable = access_requests_decidable_by(user)
        context["pending"] = list(decidable.filter(status=AccessRequest.Status.PENDING).order_by("created_at"))
        context["decided"] = list(decidable.exclude(status=AccessRequest.Status.PENDING)
                                  .order_by("-decided_at")[:30])
        context["grants"] = list(access_grants_revocable_by(user).filter(
            revoked_at__isnull=True, expires_at__gt=timezone.now()).order_by("expires_at"))
    return render(request, "customers/access/requests.html", context)


def _visible_requests(user):
    """The requests a user may open: their own, and those they decide."""
    decidable = access_requests_decidable_by(user).values("pk")
    return AccessRequest.objects.filter(Q(requester=user) | Q(pk__in=decidable)).select_related(
        "customer__owner", "requester", "decided_by", "grant")


@login_required
def access_request_detail_view(request, pk: int):
    """One request with its timeline. The requester sees what they asked for; the head sees which archive."""
    access_request = get_object_or_404(_visible_requests(request.user), pk=pk)
    user = request.user
    decides = access_requests_decidable_by(user).filter(pk=access_request.pk).exists()
    _annotate_for_requester(user, [access_request])
    actions = {step.name for step in ACCESS_FLOW.available(user, access_request)}
    return render(request, "customers/access/request_detail.html", {
        "item": access_request, "decides": decides, "actions": actions, "decision_form": AccessDecisionForm(),
        "timeline": access_request_timeline(access_request)})


def _back(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


class AccessDecideView(TransitionView):
    """Grant or refuse, by the owner's department head or the GM. A request they may not decide is a 404."""

    workflow = ACCESS_FLOW
    action_field = "decision"
    forms = {"grant": AccessDecisionForm, "refuse": AccessDecisionForm}

    def get_object(self):
        return get_object_or_404(access_requests_decidable_by(self.request.user), pk=self.kwargs["pk"])

    def get_success_url(self, obj) -> str:
        return _back(self.request, reverse("customers:access_requests"))

    def success_message(self, obj, step) -> str:
        if step.name == "grant":
            return _("Access to %(code)s granted to %(user)s until %(until)s.") % {
                "code": obj.customer.code, "user": obj.requester,
                "until": timezone.localtime(obj.grant.expires_at).strftime("%Y-%m-%d %H:%M")}
        return _("The request of %(user)s for %(code)s was refused.") % {
            "code": obj.customer.code, "user": obj.requester}


class AccessWithdrawView(TransitionView):
    """The requester takes back an open request."""

    workflow = ACCESS_FLOW
    forms = {"withdraw": AccessWithdrawForm}

    def post(self, request, *args, **kwargs):
        request.POST = request.POST.copy()
        request.POST["action"] = "withdraw"
        return super().post(request, *args, **kwargs)

    def get_object(self):
        return get_object_or_404(AccessRequest.objects.filter(requester=self.request.user), pk=self.kwargs["pk"])

    def get_success_url(self, obj) -> str:
        return _back(self.request, reverse("customers:access_requests"))

    def success_message(self, obj, step) -> str:
        return _("Your request for %(target)s was withdrawn.") % {"target": obj.requested_as}


@login_required
def access_grant_revoke_view(request, pk: int):
    """GET asks for confirmation; POST revokes, and the grantee is notified."""
    grant = get_object_or_404(access_grants_revocable_by(request.user), pk=pk)
    form = AccessRevokeForm(request.POST if request.method == "POST" else None)
    if grant.revoked_at is not None:
        messages.info(request, _("This grant was already revoked."))
        return redirect("customers:access_requests")
    if request.method == "POST" and form.is_valid():
        try:
            access_grant_revoke(grant=grant, user=request.user, comment=form.cleaned_data["comment"])
        except ApplicationError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Access of %(user)s to %(code)s revoked; they have been notified.") % {
                "user": grant.user, "code": grant.customer.code})
        return redirect("customers:access_requests")
    return render(request, "customers/access/revoke.html", {"grant": grant, "form": form})


# --- Reviews for the GM and admins -------------------------------------------------------------

def _require_reviewer(user) -> None:
    # A page of the GM and admins: other roles may not use it (403; 404 is for an unreadable archive).
    if not can_review_logs(user):
        raise PermissionDenied


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _period_q(field: str, data: dict) -> Q:
    q = Q()
    if data.get("date_from"):
        q &= Q(**{f"{field}__gte": _day_start(data["date_from"])})
    if data.get("date_to"):
        q &= Q(**{f"{field}__lt": _day_start(data["date_to"] + dt.timedelta(days=1))})
    return q


def _csv_response(header, rows, filename: str) -> StreamingHttpResponse:
    # crm.tabular's writer: a BOM for Excel, every cell formula-safe (a name typed as "=..." stays text).
    response = StreamingHttpResponse(csv_stream(header, rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def access_log_view(request):
    _require_reviewer(request.user)
    filters = AccessLogFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    entries = AccessLog.objects.select_related("user", "customer").filter(_period_q("at", data))
    if data.get("user"):
        entries = entries.filter(user=data["user"])
    if data.get("code"):
        code = data["code"].strip()
        named = Q(customer__code__iexact=code)
        if connection.features.supports_json_field_contains:  # the lists it was read in (not on SQLite)
            ids = list(Customer.objects.filter(code__iexact=code).values_list("pk", flat=True)[:1])
            named |= Q(customer_ids__contains=ids) if ids else Q(pk__in=[])
        entries = entries.filter(named)
    if data.get("action"):
        entries = entries.filter(action=data["action"])
    if data.get("channel"):
        entries = entries.filter(channel=data["channel"])
    if request.GET.get("export") == "csv":
        described = ", ".join(f"{key}={value}" for key, value in data.items() if value) or _("all")
        access_log_record(user=request.user, action=AccessLog.Action.EXPORT, channel=AccessLog.Channel.WEB,
                          request=request, detail=_("Access log CSV (%s)") % described)
        header = [_("At"), _("User"), _("Customer code"), _("Customer"), _("Action"), _("Channel"), _("IP address"),
                  _("Detail")]
        rows = ([timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.user.username,
                 e.customer.code if e.customer else "", e.customer.name if e.customer else "",
                 e.get_action_display(), e.get_channel_display(), e.ip_address or "", e.detail_display]
                for e in entries.iterator(chunk_size=2000))
        return _csv_response(header, rows, f"access-log-{timezone.localdate():%Y%m%d}.csv")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "customers/access/log.html", {"filters": filters, "page_obj": page})


# --- Change history of archives and contacts ---------------------------------------------------

class _MergedHistory:
    """The historical rows of customers and contacts as one list, newest first, sliced lazily so that
    a Paginator reads only the rows of the page it shows."""

    def __init__(self, querysets):
        self.querysets = [qs.order_by("-history_date", "-history_id") for qs in querysets]

    def count(self) -> int:
        return sum(qs.count() for qs in self.querysets)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        if not isinstance(item, slice):
            return self[item:item + 1][0]
        start, stop = item.start or 0, item.stop
        heads = [list(qs[:stop]) for qs in self.querysets]
        rows = merge(*heads, key=lambda r: (r.history_date, r.history_id), reverse=True)
        return list(rows)[start:stop]


def _changes(record, model) -> list:
    return changes_between(record, record.prev_record if record.history_type == "~" else None, model)


def _readable_values(entries: list[dict]) -> None:
    """Values as people know them, for the whole page at once (crm.history: one query per related model)."""
    readable_changes([change for entry in entries for change in entry["changes"]],
                     list_labels={"service_needs": dict(ServiceNeed.choices)})


def _describe(record, model) -> dict:
    if model is Customer:
        code, name, customer_id = record.code, record.name, record.id
    else:
        customer = getattr(record, "customer", None)
        code = customer.code if customer else ""
        name, customer_id = record.name, record.customer_id
    return {"record": record, "model_label": model._meta.verbose_name, "code": code, "name": name,
            "customer_id": customer_id, "changes": _changes(record, model)}


@login_required
def change_log_view(request):
    """Recent changes of customer archives and contacts: who, when, which record, each field before → after."""
    _require_reviewer(request.user)
    filters = ChangeLogFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    customer_history = Customer.history.model.objects.select_related("history_user")
    contact_history = Contact.history.model.objects.select_related("history_user", "customer")
    period = _period_q("history_date", data)
    customer_history, contact_history = customer_history.filter(period), contact_history.filter(period)
    if data.get("user"):
        customer_history = customer_history.filter(history_user=data["user"])
        contact_history = contact_history.filter(history_user=data["user"])
    if data.get("code"):
        code = data["code"].strip()
        customer_history = customer_history.filter(id__in=Customer.objects.filter(code__iexact=code).values("id"))
        contact_history = contact_history.filter(customer__code__iexact=code)
    sources = {"customer": [customer_history], "contact": [contact_history]}.get(
        data.get("kind") or "", [customer_history, contact_history])
    page = Paginator(_MergedHistory(sources), 25).get_page(request.GET.get("page"))
    entries = [_describe(record, Customer if isinstance(record, Customer.history.model) else Contact)
               for record in page.object_list]
    # A creation row holds the placeholder code the archive had before its id was known: show today's code.
    codes = dict(Customer.objects.filter(pk__in={e["customer_id"] for e in entries}).values_list("pk", "code"))
    for entry in entries:
        entry["code"] = codes.get(entry["customer_id"], entry["code"])
    _readable_values(entries)
    return render(request, "customers/access/change_log.html", {
        "filters": filters, "page_obj": page, "entries": entries})


urlpatterns = [
    path("request-access/", access_request_create_view, name="access_request_create"),
    path("<int:pk>/request-access/", access_request_create_view, name="access_request_create"),
    path("access-requests/", access_requests_view, name="access_requests"),
    path("access-requests/<int:pk>/", access_request_detail_view, name="access_request_detail"),
    path("access-requests/<int:pk>/decide/", AccessDecideView.as_view(), name="access_request_decide"),
    path("access-requests/<int:pk>/withdraw/", AccessWithdrawView.as_view(), name="access_request_withdraw"),
    path("access-grants/<int:pk>/revoke/", access_grant_revoke_view, name="access_grant_revoke"),
    path("access-log/", access_log_view, name="access_log"),
    path("change-log/", change_log_view, name="change_log"),
]
