"""Home-page panels of the customer archives (crm.home), one per role; each costs a few queries."""

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.home import home_panel
from crm.roles import Role, has_role
from customers.models import AccessRequest, Customer, DataSource, RefreshTask, Stage, Tier
from customers.policies import decides_access
from customers.selectors import access_requests_decidable_by, customers_visible_to

PANEL_ROWS = 5


def _url(name: str, query: str = "") -> str:
    try:
        url = reverse(name)
    except NoReverseMatch:  # a page of an area not installed yet
        return ""
    return f"{url}?{query}" if query else url


@home_panel
def my_customers_panel(user) -> dict | None:
    """Account managers: my active customers, my archives due for the yearly check, my unchecked ones."""
    if not has_role(user, Role.ACCOUNT_MANAGER):
        return None
    counts = Customer.objects.filter(owner=user, is_active=True).aggregate(
        total=Count("pk"), unchecked=Count("pk", filter=Q(is_checked=False)))
    due = RefreshTask.objects.filter(owner=user, status=RefreshTask.Status.OPEN, customer__is_active=True).count()
    return {
        "title": _("My customers"),
        "url": _url("customers:list", f"owner={user.pk}"),
        "rows": [
            {"label": _("Active customers I own"), "url": _url("customers:list", f"owner={user.pk}"),
             "value": counts["total"]},
            {"label": _("Archives due for the yearly check"), "url": _url("customers:refresh_tasks"), "value": due},
            {"label": _("Unchecked archives"), "url": _url("customers:list", f"owner={user.pk}&is_checked=false"),
             "value": counts["unchecked"]},
        ],
    }


@home_panel
def team_archives_panel(user) -> dict | None:
    """Clerks: the team's unchecked archives (the freight system's queue among them) and refresh tasks."""
    if not has_role(user, Role.CLERK):
        return None
    team_ids = list(user.teams.values_list("id", flat=True))
    if not team_ids:
        return None
    counts = Customer.objects.filter(team_id__in=team_ids, is_active=True).aggregate(
        unchecked=Count("pk", filter=Q(is_checked=False)),
        freight=Count("pk", filter=Q(is_checked=False, source=DataSource.FREIGHT_SYSTEM)))
    due = RefreshTask.objects.filter(customer__team_id__in=team_ids, customer__is_active=True,
                                     status=RefreshTask.Status.OPEN).count()
    return {
        "title": _("Team archives"),
        "url": _url("customers:list", "is_checked=false"),
        "rows": [
            {"label": _("Unchecked archives"), "url": _url("customers:list", "is_checked=false"),
             "value": counts["unchecked"]},
            {"label": _("New from the freight system, to check"), "url": _url("customers:list", "is_checked=false"),
             "value": counts["freight"]},
            {"label": _("Archives due for the yearly check"), "url": _url("customers:refresh_tasks"), "value": due},
        ],
    }


def pending_access_requests_for(user):
    """Pending requests this user decides (customers.selectors.access_requests_decidable_by)."""
    return access_requests_decidable_by(user).filter(status=AccessRequest.Status.PENDING)


@home_panel
def access_requests_panel(user) -> dict | None:
    """Department heads, the GM and admins: the access requests waiting for their decision."""
    if not decides_access(user):
        return None
    requests = list(pending_access_requests_for(user).order_by("created_at")[:PANEL_ROWS + 1])
    url = _url("customers:access_requests")
    rows = [{"label": _("%(user)s asks to read %(name)s") % {
                "user": r.requester.get_full_name() or r.requester.username,
                "name": f"{r.customer.code} {r.customer.name}"},
             "url": url, "value": timezone.localtime(r.created_at).strftime("%Y-%m-%d")} for r in requests[:PANEL_ROWS]]
    if len(requests) > PANEL_ROWS:
        rows.append({"label": _("More requests…"), "url": url, "value": ""})
    return {"title": _("Access requests waiting for your decision"), "url": url, "rows": rows,
            "empty": _("No access requests are waiting for you.")}


@home_panel
def archives_summary_panel(user) -> dict | None:
    """GM: active customers by stage and by key-account tier."""
    if not has_role(user, Role.GM):
        return None
    active = customers_visible_to(user, include_inactive=False)
    by_stage = dict(active.order_by().values_list("stage").annotate(n=Count("pk")))
    by_tier = dict(active.exclude(tier__isnull=True).order_by().values_list("tier").annotate(n=Count("pk")))
    rows = [{"label": _("Stage: %s") % label, "url": _url("customers:list", f"stage={value}"),
             "value": by_stage.get(value, 0)} for value, label in Stage.choices]
    rows += [{"label": _("Key-account tier %s") % value, "url": _url("customers:list", f"tier={value}"),
              "value": by_tier.get(value, 0)} for value, _label in Tier.choices]
    return {"title": _("Customer archives"), "url": _url("customers:classification", "group_by=stage"),
            "rows": rows}
