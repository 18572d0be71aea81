"""Application errors. Services raise these; every door turns them into a message or 400/409."""

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A request the business rules refuse. `field` names the input at fault, when there is one."""

    status_code = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, *, field: str | None = None, extra: dict | None = None):
        self.message = message or self.default_message
        self.field = field
        self.extra = extra or {}
        super().__init__(str(self.message))


class ConflictError(ApplicationError):
    """The object has moved on: a transition that does not fit its current state (HTTP 409)."""

    status_code = 409
    default_message = _("This record has changed in the meantime; reload it and try again.")


class PermissionDeniedError(ApplicationError):
    status_code = 403
    default_message = _("You may not do this.")
