"""Confidentiality pages (SPEC §8): asking for access to an archive, deciding and revoking grants,
the access log, and the review of changes made to archives and contacts.

Asking for access must work for archives the user may not read, whose card answers 404. So the
request is made by customer code, and the answer never tells whether the code exists or whose it
is: the same neutral message follows an unknown code and a sent request.
"""

import csv
import datetime as dt
from heapq import merge

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.exceptions import ApplicationError, ConflictError
from crm.forms_base import apply_service_error
from crm.roles import ADMIN_ROLE, Role, has_role
from customers.forms_related import (
    AccessDecisionForm,
    AccessLogFilterForm,
    AccessRequestForm,
    ChangeLogFilterForm,
)
from customers.models import AccessLog, AccessRequest, Contact, Customer
from customers.selectors import (
    access_grants_revocable_by,
    access_requests_decidable_by,
    can_read_customer,
    decides_access,
    readable_customer_ids,
)
from customers.services import access_grant_revoke, access_log_record, access_request_create, access_request_decide
from customers.views.common import card_url

PAGE_SIZE = 50


def _neutral_message() -> str:
    return _("If this archive exists, the request was sent to its department head. You will be notified of "
             "the decision.")


def _request_page(request, *, customer: Customer | None, with_code: bool):
    """Shared by the by-code and by-id doors. `customer` is None for an unknown code or id."""
    initial = {"code": request.GET.get("code", "")} if with_code else None
    form = AccessRequestForm(request.POST or None, initial=initial, with_code=with_code)
    if request.method == "POST" and form.is_valid():
        if with_code:
            customer = Customer.objects.filter(code__iexact=form.cleaned_data["code"]).first()
        if customer is not None and can_read_customer(request.user, customer):
            # Telling a reader that they can read it reveals nothing they could not see anyway.
            messages.info(request, _("You can already read this archive."))
            return redirect(card_url(customer))
        if customer is not None:
            try:
                access_request_create(customer=customer, user=request.user, reason=form.cleaned_data["reason"])
            except ApplicationError as error:
                apply_service_error(form, error)
        if not form.errors:
            messages.success(request, _neutral_message())
            return redirect("customers:access_requests")
    return render(request, "customers/access/request.html", {"form": form, "with_code": with_code})


@login_required
def access_request_create_view(request, pk: int | None = None):
    if pk is None:
        return _request_page(request, customer=None, with_code=True)
    return _request_page(request, customer=Customer.objects.filter(pk=pk).first(), with_code=False)


def _pending_first(qs):
    return qs.annotate(pending_first=Case(When(status=AccessRequest.Status.PENDING, then=Value(0)), default=Value(1),
                                          output_field=IntegerField())).order_by("pending_first", "-created_at")


@login_required
def access_requests_view(request):
    """My requests, and for department heads and the GM the requests they decide and the grants they keep."""
    user = request.user
    mine = list(_pending_first(AccessRequest.objects.filter(requester=user)
                               .select_related("customer", "decided_by", "grant"))[:100])
    readable = readable_customer_ids(user, [item.customer_id for item in mine])
    for item in mine:
        item.readable = readable is None or item.customer_id in readable
        item.card_url = card_url(item.customer) if item.readable else ""
        item.current_grant = getattr(item, "grant", None)
    context = {"mine": mine, "decides": decides_access(user), "decision_form": AccessDecisionForm()}
    if context["decides"]:
        decidable = access_requests_decidable_by(user)
        context["pending"] = list(decidable.filter(status=AccessRequest.Status.PENDING).order_by("created_at"))
        context["decided"] = list(decidable.exclude(status=AccessRequest.Status.PENDING)
                                  .order_by("-decided_at")[:30])
        context["grants"] = list(access_grants_revocable_by(user).filter(
            revoked_at__isnull=True, expires_at__gt=timezone.now()).order_by("expires_at"))
    return render(request, "customers/access/requests.html", context)


@login_required
@require_POST
def access_request_decide_view(request, pk: int):
    # A request the user may not decide does not exist for them.
    access_request = get_object_or_404(access_requests_decidable_by(request.user), pk=pk)
    form = AccessDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("customers:access_requests")
    grant = form.cleaned_data["decision"] == "grant"
    try:
        decided = access_request_decide(access_request=access_request, user=request.user, grant=grant,
                                        days=form.cleaned_data["days"], comment=form.cleaned_data["comment"])
    except ConflictError as error:
        messages.warning(request, str(error.message))
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        if grant:
            messages.success(request, _("Access to %(code)s granted to %(user)s until %(until)s.") % {
                "code": decided.customer.code, "user": decided.requester,
                "until": timezone.localtime(decided.grant.expires_at).strftime("%Y-%m-%d %H:%M")})
        else:
            messages.info(request, _("The request of %(user)s for %(code)s was refused.") % {
                "code": decided.customer.code, "user": decided.requester})
    return redirect("customers:access_requests")


@login_required
@require_POST
def access_grant_revoke_view(request, pk: int):
    grant = get_object_or_404(access_grants_revocable_by(request.user), pk=pk)
    if grant.revoked_at is not None:
        messages.info(request, _("This grant was already revoked."))
    else:
        try:
            access_grant_revoke(grant=grant, user=request.user)
        except ApplicationError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Access of %(user)s to %(code)s revoked.") % {
                "user": grant.user, "code": grant.customer.code})
    return redirect("customers:access_requests")


# --- Reviews for the GM and admins -------------------------------------------------------------

def _require_reviewer(user) -> None:
    # The log itself is confidential: for everyone else the page does not exist.
    if not has_role(user, Role.GM, ADMIN_ROLE):
        raise Http404("No such page")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _period_q(field: str, data: dict) -> Q:
    q = Q()
    if data.get("date_from"):
        q &= Q(**{f"{field}__gte": _day_start(data["date_from"])})
    if data.get("date_to"):
        q &= Q(**{f"{field}__lt": _day_start(data["date_to"] + dt.timedelta(days=1))})
    return q


class _Echo:
    def write(self, value):
        return value


def _csv_response(rows, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    # The BOM lets Excel open the UTF-8 file with its Chinese text intact.
    stream = ("\ufeff" + writer.writerow(row) if index == 0 else writer.writerow(row) for index, row in
              enumerate(rows))
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
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
        entries = entries.filter(customer__code__iexact=data["code"].strip())
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
                 e.get_action_display(), e.get_channel_display(), e.ip_address or "", e.detail]
                for e in entries.iterator(chunk_size=2000))
        return _csv_response(_prepend(header, rows), f"access-log-{timezone.localdate():%Y%m%d}.csv")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "customers/access/log.html", {"filters": filters, "page_obj": page})


def _prepend(first, rest):
    yield first
    yield from rest


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


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except Exception:  # a field removed since the record was written
        return None


def _changes(record, model) -> list[dict]:
    if record.history_type != "~":
        return []
    previous = record.prev_record
    if previous is None:
        return []
    changes = []
    for change in record.diff_against(previous).changes:
        field = _field(model, change.field)
        changes.append({"field": field, "label": str(field.verbose_name) if field else change.field,
                        "before": change.old, "after": change.new})
    return changes


def _readable_values(entries: list[dict]) -> None:
    """Show values as people know them: choice labels, yes/no, and related objects by name rather than id
    (one query per related model for the whole page)."""
    wanted: dict[type, set] = {}
    for entry in entries:
        for change in entry["changes"]:
            field = change["field"]
            if field is not None and field.is_relation and field.many_to_one:
                wanted.setdefault(field.related_model, set()).update(
                    v for v in (change["before"], change["after"]) if v is not None)
    names = {model: {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=ids)}
             for model, ids in wanted.items()}

    def show(field, value):
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if field is not None and field.is_relation and field.many_to_one:
            return names.get(field.related_model, {}).get(value, f"#{value}")
        if field is not None and field.choices:
            return str(dict(field.flatchoices).get(value, value))
        return str(value)

    for entry in entries:
        for change in entry["changes"]:
            change["before"] = show(change["field"], change["before"])
            change["after"] = show(change["field"], change["after"])


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
        customer_history = customer_history.filter(code__iexact=code)
        contact_history = contact_history.filter(customer__code__iexact=code)
    sources = {"customer": [customer_history], "contact": [contact_history]}.get(
        data.get("kind") or "", [customer_history, contact_history])
    page = Paginator(_MergedHistory(sources), 25).get_page(request.GET.get("page"))
    entries = [_describe(record, Customer if isinstance(record, Customer.history.model) else Contact)
               for record in page.object_list]
    _readable_values(entries)
    return render(request, "customers/access/change_log.html", {
        "filters": filters, "page_obj": page, "entries": entries})


urlpatterns = [
    path("request-access/", access_request_create_view, name="access_request_create"),
    path("<int:pk>/request-access/", access_request_create_view, name="access_request_create"),
    path("access-requests/", access_requests_view, name="access_requests"),
    path("access-requests/<int:pk>/decide/", access_request_decide_view, name="access_request_decide"),
    path("access-grants/<int:pk>/revoke/", access_grant_revoke_view, name="access_grant_revoke"),
    path("access-log/", access_log_view, name="access_log"),
    path("change-log/", change_log_view, name="change_log"),
]
