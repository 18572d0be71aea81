"""What every page of the customers app starts from (SPEC §8): the archive the user may read or edit,
or 404 when they may not read it (403 when they may read but not edit); integration accounts have no
pages at all; a non-owner's read is logged."""

from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse

from customers.models import AccessLog, Customer
from customers.policies import can_edit_customer, is_identity_only
from customers.selectors import customer_get_for_user
from customers.services import access_log_record


def require_staff(user) -> None:
    """Integration accounts see identity fields through the API only: no page is theirs (403, the
    answer for a page a role may not use; 404 is for an archive one may not read)."""
    if is_identity_only(user):
        raise PermissionDenied


def readable_customer(request, pk, *, queryset=None) -> Customer:
    """The archive, or 404 when the user may not read it."""
    require_staff(request.user)
    return customer_get_for_user(request.user, pk, queryset=queryset)


def editable_customer(request, pk) -> Customer:
    """The archive, 404 when the user may not read it, 403 when they may read but not edit it."""
    customer = readable_customer(request, pk)
    if not can_edit_customer(request.user, customer):
        raise PermissionDenied
    return customer


def log_read(request, customer: Customer, detail: str = "", *, channel: str = AccessLog.Channel.WEB) -> None:
    """A non-owner's read of the archive through a page, the API or the admin (the service skips the
    owner's own reads)."""
    access_log_record(user=request.user, action=AccessLog.Action.READ, channel=channel, customer=customer,
                      request=request, detail=detail)


def log_listing(request, owner_ids_by_customer: dict[int, int], detail: str = "", *,
                channel: str = AccessLog.Channel.WEB) -> None:
    """A list of archives read at once (a page of the API list, of business records, the classification
    summary): one access-log row naming the archives on it the reader does not own, whatever the page's
    length; nothing when they own them all. `owner_ids_by_customer` maps customer id → owner id."""
    ids = sorted(pk for pk, owner_id in owner_ids_by_customer.items() if owner_id != request.user.pk)
    access_log_record(user=request.user, action=AccessLog.Action.READ, channel=channel, request=request,
                      detail=detail, customer_ids=ids)


def card_url(customer: Customer, tab: str = "") -> str:
    """The customer's card, opened on `tab`."""
    try:
        url = reverse("customers:detail", args=[customer.pk])
    except NoReverseMatch:
        url = f"/customers/{customer.pk}/"
    return f"{url}#{tab}" if tab else url


def file_name(field_file) -> str:
    """The name a stored file was uploaded under, without the storage folders ("" for no file)."""
    return field_file.name.rsplit("/", 1)[-1] if field_file else ""
