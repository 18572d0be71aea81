"""The brief card: what a narrow door (crm.narrow_access) shows of a customer to someone who may not
read its archive — a complaint handler, the club office — and the same page for readers, who get a link
to the full card. Only the scopes granted are rendered; nothing else of the archive reaches the page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from crm.narrow_access import Scope
from customers.models import AccessLog
from customers.policies import can_read_customer
from customers.selectors import customer_brief_get
from customers.services import access_log_record
from customers.views.common import require_staff


@login_required
def customer_brief(request, pk):
    require_staff(request.user)
    customer, scopes = customer_brief_get(request.user, pk)
    contacts = []
    if Scope.CONTACTS in scopes or Scope.CONTACT_WORK_PHONES in scopes:
        fields = ("name", "title", "department", "phone", "email") if Scope.CONTACTS in scopes else ("name", "phone")
        contacts = list(customer.contacts.filter(is_active=True).order_by("-is_primary", "name").values(*fields))
    access_log_record(user=request.user, action=AccessLog.Action.READ, channel=AccessLog.Channel.WEB,
                      customer=customer, request=request, detail="brief")
    return render(request, "customers/archive/brief.html", {
        "customer": customer, "scopes": scopes, "show_identity": Scope.IDENTITY in scopes,
        "show_contact_details": Scope.CONTACTS in scopes, "contacts": contacts,
        "full_card": can_read_customer(request.user, customer),
    })


urlpatterns = [
    path("<int:pk>/brief/", customer_brief, name="brief"),
]
