"""REST API of customer archives, contacts and business records (SPEC §9).

Thin doors: querysets come from customers.selectors (an archive the user may not read answers 404),
writes go to customers.services / customers.business_records, whose errors the project's exception
handler turns into 400/403/409 JSON.
"""

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api.filters import IdFilter
from crm.api.schema import error_response
from crm.exceptions import ApplicationError, PermissionDeniedError
from customers.api.serializers import (
    BulkResultSerializer,
    BusinessRecordInputSerializer,
    BusinessRecordSerializer,
    ContactSerializer,
    CustomerIdentitySerializer,
    CustomerSerializer,
    DeactivateSerializer,
    HandoverSerializer,
)
from customers.business_records.filters import BusinessRecordFilter
from customers.business_records.selectors import business_records_visible_to
from customers.business_records.upsert import (
    MAX_BULK_RECORDS,
    NON_FIELD,
    business_record_create,
    business_record_update,
    business_records_upsert,
)
from customers.card_sections import contact_create, contact_deactivate, contact_update
from customers.filters import CustomerFilter, CustomerIdentityFilter
from customers.models import AccessLog, BusinessRecord, Contact, Customer
from customers.policies import (
    can_edit_customer,
    can_file_archive,
    can_handover_customer,
    can_see_sensitive_personal,
    is_identity_only,
)
from customers.selectors import customer_get_for_user, customers_visible_to
from customers.services import (
    customer_create,
    customer_deactivate,
    customer_handover,
    customer_reactivate,
    customer_update,
)
from customers.views.common import log_listing, log_read

# Every error answer has the one `Error` shape (crm.api.schema); 401/409 are added to every operation there.
ERROR_RESPONSES = {
    400: error_response(400),
    403: error_response(403),
    404: error_response(404, "No such archive, or you may not read it."),
}


def _code_filter():
    return django_filters.CharFilter(field_name="code", lookup_expr="exact", label=gettext_lazy("Customer code"),
                                     help_text=gettext_lazy("Exactly this customer code."))


class CustomerApiFilter(CustomerFilter):
    """The shared CustomerFilter, with whole-number id filters (an id beyond the database's integers
    answers 400 instead of reaching the database) and an exact look-up by customer code."""

    code = _code_filter()
    owner = IdFilter(field_name="owner_id", label=gettext_lazy("Owner"))
    team = IdFilter(field_name="team_id", label=gettext_lazy("Team"))
    route = IdFilter(field_name="route_id", label=gettext_lazy("Route"))


class CustomerIdentityApiFilter(CustomerIdentityFilter):
    """The integration accounts' filters, with the exact look-up by code the freight system uses."""

    IDENTITY_FILTERS = (*CustomerIdentityFilter.IDENTITY_FILTERS, "code")
    code = _code_filter()


class BusinessRecordApiFilter(BusinessRecordFilter):
    customer = IdFilter(field_name="customer_id", label=gettext_lazy("Customer id"))


class IdentityOnlyReads(permissions.BasePermission):
    """Integration users look customers up; they neither write archives nor see their contacts."""

    message = gettext_lazy("Integration users may only look customers up.")

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or not is_identity_only(request.user)


def _log_read(request, customer: Customer, detail: str = "") -> None:
    log_read(request, customer, detail, channel=AccessLog.Channel.API)


@extend_schema_view(
    list=extend_schema(summary="Customer archives the user may read",
                       parameters=[OpenApiParameter("is_active", OpenApiTypes.BOOL,
                                                    description="Active archives unless given.")]),
    retrieve=extend_schema(summary="One archive (404 when the user may not read it)"),
    create=extend_schema(summary="File an archive; 409 with `existing` when the company is already filed",
                         responses={201: CustomerSerializer, 409: OpenApiResponse(
                             description="Duplicate: {\"detail\", <field>, \"existing\": {id, code, name}}")}),
    update=extend_schema(summary="Edit an archive (owner only through handover/)"),
    partial_update=extend_schema(summary="Edit some fields of an archive"),
)
class CustomerViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
                      mixins.ListModelMixin, viewsets.GenericViewSet):
    """Customer archives (SPEC §2.1, §9). No DELETE: an archive is retired with deactivate/."""

    permission_classes = [permissions.IsAuthenticated, IdentityOnlyReads]
    search_fields = ["name", "short_name", "code", "credit_code", "phone"]
    ordering = ["name", "id"]
    queryset = Customer.objects.none()  # for the schema; get_queryset applies the access rules

    def _identity_only(self) -> bool:
        request = getattr(self, "request", None)
        return request is not None and not getattr(self, "swagger_fake_view", False) and is_identity_only(
            request.user)

    # Integration accounts filter and sort by identity fields only: by owner, tier or credit grade
    # the answer would tell what they may not see (SPEC §8).
    @property
    def filterset_class(self):
        return CustomerIdentityApiFilter if self._identity_only() else CustomerApiFilter

    @property
    def ordering_fields(self):
        return ["name", "code", "stage"] if self._identity_only() else [
            "name", "code", "created_at", "updated_at", "stage", "tier"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Customer.objects.none()
        qs = customers_visible_to(self.request.user).select_related("region", "industry", "nature")
        if self.action == "list" and "is_active" not in self.request.query_params:
            qs = qs.filter(is_active=True)  # retired archives leave working lists (SPEC §2.1)
        return qs

    def get_serializer_class(self):
        if self._identity_only():
            return CustomerIdentitySerializer
        return CustomerSerializer

    def _customer_response(self, customer: Customer, status_code: int = status.HTTP_200_OK) -> Response:
        customer = Customer.objects.select_related("region", "industry", "nature").get(pk=customer.pk)
        return Response(self.get_serializer(customer).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        customer = self.get_object()
        _log_read(request, customer)
        return Response(self.get_serializer(customer).data)

    def list(self, request, *args, **kwargs):
        # ListModelMixin.list, plus one access-log row for the page (its archives' ids, not one row each).
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        log_listing(request, {c.pk: c.owner_id for c in rows}, "customer list", channel=AccessLog.Channel.API)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def create(self, request, *args, **kwargs):
        if not can_file_archive(request.user):  # early, before the body is validated; the service holds it
            raise PermissionDeniedError(_("You may not file customer archives."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        owner = fields.pop("owner", None)
        source = fields.pop("source", None)
        extra = {"source": source} if source else {}
        customer = customer_create(user=request.user, owner=owner, **extra, **fields)
        return self._customer_response(customer, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        customer = self.get_object()
        if not can_edit_customer(request.user, customer):
            raise PermissionDeniedError(_("You may not edit this archive."))
        serializer = self.get_serializer(customer, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        for name in ("owner", "source"):  # unchanged when present: the serializer refused any change
            fields.pop(name, None)
        customer = customer_update(customer=customer, user=request.user, **fields)
        return self._customer_response(customer)

    @extend_schema(
        summary="Hand the archive over to a new owner",
        description="Changes the owner and records it in the owner history. 400 names the field at fault "
                    "(`to` for an unknown or unsuitable user); 403 when you may not hand this archive over.",
        request=HandoverSerializer, responses={200: CustomerSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def handover(self, request, pk=None):
        customer = self.get_object()
        if not can_handover_customer(request.user, customer):
            raise PermissionDeniedError(_("You may not hand this archive over."))
        serializer = HandoverSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer_handover(customer=customer, to_user=data["to"], user=request.user, reason=data["reason"],
                          note=data["note"])
        return self._customer_response(customer)

    @extend_schema(summary="Retire the archive (kept for reports, hidden from working lists)",
                   request=DeactivateSerializer, responses={200: CustomerSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        customer = self.get_object()
        serializer = DeactivateSerializer(data=request.data)
        if not can_edit_customer(request.user, customer):
            raise PermissionDeniedError(_("You may not retire this archive."))
        serializer.is_valid(raise_exception=True)
        customer = customer_deactivate(customer=customer, user=request.user,
                                       reason=serializer.validated_data["reason"])
        return self._customer_response(customer)

    @extend_schema(summary="Bring a retired archive back", request=None,
                   responses={200: CustomerSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        customer = customer_reactivate(customer=self.get_object(), user=request.user)
        return self._customer_response(customer)


# --- Contacts, nested under their customer ---------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="Active contacts of a customer",
                       parameters=[OpenApiParameter("include_inactive", OpenApiTypes.BOOL)]),
    destroy=extend_schema(summary="Retire a contact (kept, marked inactive)"),
)
class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Contacts of one customer (SPEC §2.1). Personal fields only for those who may see them (§8);
    writes by those who may edit the archive."""

    serializer_class = ContactSerializer
    search_fields = ["name", "title", "department", "phone", "email"]
    ordering_fields = ["name", "created_at"]
    ordering = ["-is_primary", "name", "id"]
    queryset = Contact.objects.none()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if is_identity_only(request.user):
            raise PermissionDeniedError(_("Integration users see identity fields only."))
        self.customer = customer_get_for_user(request.user, kwargs.get("customer_pk"))
        if request.method not in permissions.SAFE_METHODS and not can_edit_customer(request.user, self.customer):
            raise PermissionDeniedError(_("You may not edit this archive."))

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Contact.objects.none()
        qs = self.customer.contacts.all()
        if self.action == "list" and self.request.query_params.get("include_inactive") not in ("1", "true", "True"):
            qs = qs.filter(is_active=True)
        return qs

    def get_serializer_context(self):
        context = super().get_serializer_context()
        customer = getattr(self, "customer", None)
        # The schema documents the personal fields too (optional: only for those who may see them).
        context["sensitive"] = getattr(self, "swagger_fake_view", False) or (
            customer is not None and can_see_sensitive_personal(self.request.user, customer))
        return context

    def list(self, request, *args, **kwargs):
        _log_read(request, self.customer, detail="contacts")
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        _log_read(request, self.customer, detail="contacts")
        return super().retrieve(request, *args, **kwargs)

    # The same services as the card's pages: one rule for personal data and the main contact.
    def perform_create(self, serializer):
        serializer.instance = contact_create(customer=self.customer, user=self.request.user,
                                             **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = contact_update(contact=serializer.instance, user=self.request.user,
                                             **serializer.validated_data)

    def perform_destroy(self, instance):
        contact_deactivate(contact=instance, user=self.request.user)


# --- Business records --------------------------------------------------------------------------------

BULK_DESCRIPTION = """Create or update up to 5,000 records, matched by `external_id`, **all or nothing**.

Each record names its customer by `customer` (id), or `customer_code`, or `customer_name`. An unknown
`customer_name` files a new transacting customer, marked "from the freight system, unchecked", in the
clerks' queue of the integration team; the same name in several records files it once, and sending the
batch again files nothing new.

A field left out of a record keeps its stored value; a field sent as null clears it.

Answers 201 when a record was created, 200 when every record already existed, both with
`{"created", "updated", "new_customers"}`; or 400 with `{"detail", "errors": [{"index", "field",
"message"}]}` listing every bad record, and nothing saved. More than 5,000 records, or a body that is
not a JSON array, answer 400."""


@extend_schema_view(
    list=extend_schema(summary="Business records of the customers the user may read"),
    retrieve=extend_schema(summary="One business record"),
)
class BusinessRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Business records (SPEC §2.5, §9). Writes by integration users, clerks, department heads, the
    GM and admins, through the same service as bulk/ and the upload page."""

    serializer_class = BusinessRecordSerializer
    filterset_class = BusinessRecordApiFilter
    search_fields = ["external_id", "contract_no", "goods", "customer__code", "customer__name"]
    ordering_fields = ["date", "amount", "due_date", "paid_amount", "created_at"]
    ordering = ["-date", "-id"]
    queryset = BusinessRecord.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BusinessRecord.objects.none()
        return business_records_visible_to(self.request.user).select_related("customer")

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        log_listing(request, {r.customer_id: r.customer.owner_id for r in rows}, "business records",
                    channel=AccessLog.Channel.API)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        record = self.get_object()
        _log_read(request, record.customer, "business record")
        return Response(self.get_serializer(record).data)

    def _record_response(self, record: BusinessRecord, status_code: int = status.HTTP_200_OK) -> Response:
        record = BusinessRecord.objects.select_related("customer").get(pk=record.pk)
        return Response(self.get_serializer(record).data, status=status_code)

    @extend_schema(summary="Add one record (same rules as bulk/; external_id optional here)",
                   request=BusinessRecordInputSerializer,
                   responses={201: BusinessRecordSerializer, 400: ERROR_RESPONSES[400], 403: ERROR_RESPONSES[403]})
    def create(self, request, *args, **kwargs):
        record = business_record_create(user=request.user, data=request.data)
        return self._record_response(record, status.HTTP_201_CREATED)

    @extend_schema(summary="Change a record: the fields sent are replaced, the others kept",
                   request=BusinessRecordInputSerializer,
                   responses={200: BusinessRecordSerializer, **ERROR_RESPONSES})
    def update(self, request, *args, **kwargs):
        record = business_record_update(record=self.get_object(), user=request.user, data=request.data)
        return self._record_response(record)

    @extend_schema(summary="Change some fields of a record", request=BusinessRecordInputSerializer,
                   responses={200: BusinessRecordSerializer, **ERROR_RESPONSES})
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    @extend_schema(
        summary="Upsert a batch of records from the freight system",
        description=BULK_DESCRIPTION,
        request=BusinessRecordInputSerializer(many=True, max_length=MAX_BULK_RECORDS),
        responses={
            201: OpenApiResponse(BulkResultSerializer, description="At least one record was created."),
            200: OpenApiResponse(BulkResultSerializer, description="Every record existed and was updated."),
            400: error_response(400, "Nothing saved: `errors` lists every bad record `{index, field, message}`."),
            403: ERROR_RESPONSES[403],
            409: error_response(409, "Another batch wrote the same records at the same moment: send again."),
        },
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        try:
            result = business_records_upsert(user=request.user, records=request.data)
        except ApplicationError as exc:
            if exc.status_code != status.HTTP_400_BAD_REQUEST:
                raise
            message = str(exc.message)
            return Response({"detail": message, "errors": [{"index": None, "field": NON_FIELD, "message": message}]},
                            status=status.HTTP_400_BAD_REQUEST)
        if result.errors:
            indexes = {error["index"] for error in result.errors}
            count = len(indexes)
            detail = ngettext("%(count)d record has errors; nothing was saved.",
                              "%(count)d records have errors; nothing was saved.", count) % {"count": count}
            return Response({"detail": detail, "errors": result.errors},
                            status=status.HTTP_400_BAD_REQUEST)
        body = {"created": result.created, "updated": result.updated,
                "new_customers": [{"id": c.pk, "code": c.code, "name": c.name} for c in result.new_customers]}
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)
