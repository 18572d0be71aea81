"""The project's URLs plus an admin site built only of crm.admin_kit's pieces over existing models, with a
rule of its own (one reads the customers one owns), for the kit's tests."""

from django.contrib import admin
from django.db.models import Q
from django.urls import path

from crm.admin_kit import AccessRuledChildAdmin, ServiceWriteMixin, Writer
from crm.exceptions import ApplicationError
from crm.urls import urlpatterns as project_urlpatterns
from customers.models import Contact, Customer

site = admin.AdminSite(name="kitadmin")

READS: list[tuple] = []  # (user, record, detail) as the kit passed them to the read-log hook


class RefusingContactWriter(Writer):
    """Writes a first row, then refuses: the refusal must leave nothing of the try behind."""

    @staticmethod
    def create(request, form, customer):
        Contact.objects.create(customer=customer, name=form.cleaned_data["name"])
        raise ApplicationError("This number is refused.", field="phone")

    @staticmethod
    def update(request, obj, form):
        obj.name = form.cleaned_data["name"]
        obj.save()
        raise ApplicationError("This name is refused.", field="name")


class KitContactAdmin(AccessRuledChildAdmin):
    parent_field = "customer"
    writer = RefusingContactWriter
    fields = ("customer", "name", "phone")
    search_fields = ("name",)
    autocomplete_fields = ("customer",)

    def readable_parent_q(self, user):
        return Q(owner=user)

    def log_record_read(self, request, record, detail):
        READS.append((request.user, record, detail))


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ("name", "phone")
    extra = 0


class KitCustomerAdmin(ServiceWriteMixin, admin.ModelAdmin):
    """A customer's own fields are kept as they are; a contact added inline goes to the refusing writer."""

    class writer(Writer):  # noqa: N801
        @staticmethod
        def update(request, obj, form):
            return obj

    inline_writers = {Contact: RefusingContactWriter}
    inlines = [ContactInline]
    fields = ("name",)
    search_fields = ("name",)
    viewable = True  # the tests switch the view permission off

    def has_view_permission(self, request, obj=None):
        return self.viewable and super().has_view_permission(request, obj)


site.register(Contact, KitContactAdmin)
site.register(Customer, KitCustomerAdmin)

urlpatterns = [path("kit-admin/", site.urls), *project_urlpatterns]
