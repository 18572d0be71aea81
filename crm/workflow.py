"""The workflow kit: a declared set of actions, a transition log per workflow object, and one
`transition()` that every door (page, API, admin, task) calls.

An app declares its workflow once, next to its services:

    REQUEST_FLOW = Workflow(
        model=AccessRequest, log_model=AccessRequestLog, state_field="status",
        actions=[Action("grant", _("Grant"), sources=["pending"], target="granted", guard=can_decide,
                        apply=_grant, fields=GrantInput)],
    )
    REQUEST_FLOW.transition(obj, action="grant", user=user, comment="...", data={"days": 7})

`transition()` locks the row, checks the guard (403), checks that the action fits the current state
(409, "this record has moved on"), sets the target state, lets the action change its own fields,
saves with `update_fields`, writes one log row and returns the fresh object. Two people acting on the
same object at the same moment: the second waits for the first's lock, then finds the state moved on.

The reasons for writing this rather than using django-fsm-2 with django-fsm-log are in the README,
section "Adding a workflow".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.exceptions import ApplicationError, ConflictError, PermissionDeniedError

MOVED_ON = _("This record has moved on since you opened it: reload the page to see its current state.")
NOT_ALLOWED = _("You may not take this step.")


class TransitionLog(models.Model):
    """One step taken on a workflow object: who, when, which action, from which state to which,
    the comment and the step's own inputs. Subclass it with a foreign key to the workflow object:

        class ComplaintLog(TransitionLog):
            complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="log")
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from"), max_length=40, blank=True)
    to_state = models.CharField(_("to"), max_length=40, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder,
                            help_text=_("The inputs of the step, as entered."))

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.from_state}→{self.to_state}"


Guard = Callable[[Any, Any], bool]
Apply = Callable[..., Iterable[str] | None]


@dataclass(frozen=True)
class Action:
    """One step of a workflow.

    - `sources`: the states it may start from;
    - `target`: the state it leads to, or a function `(obj, data) -> state` (e.g. judge → valid/invalid);
    - `guard`: `(user, obj) -> bool`, who may take it (checked on the locked row);
    - `apply`: `(obj, *, user, data, comment) -> field names`, the step's own changes and side effects,
      run inside the transaction after the state check; it may raise ApplicationError to refuse the input;
    - `fields`: a DRF serializer class for the step's inputs (the `actions/` API and its schema use it);
    - `denied`: the message of the 403 when the guard says no.
    """

    name: str
    label: Any
    sources: Sequence[str]
    target: str | Callable[[Any, dict], str]
    guard: Guard | None = None
    apply: Apply | None = None
    fields: type | None = None
    denied: Any = None
    style: str = "primary"

    def input_names(self) -> list[str]:
        """The step's declared inputs: what the log keeps in `data`."""
        return list(self.fields().fields) if self.fields is not None else []

    def fits(self, state: str) -> bool:
        return state in self.sources

    def allowed(self, user, obj) -> bool:
        return self.guard is None or bool(self.guard(user, obj))

    def target_for(self, obj, data: dict) -> str:
        return self.target(obj, data) if callable(self.target) else self.target


class Workflow:
    """The declared actions of one model, its state field and its log model."""

    def __init__(self, *, model: type[models.Model], log_model: type[TransitionLog], actions: Sequence[Action],
                 state_field: str = "status", moved_on: Any = None):
        self.model = model
        self.log_model = log_model
        self.state_field = state_field
        self.actions = {action.name: action for action in actions}
        self.moved_on = moved_on or MOVED_ON
        self._log_fk: str | None = None

    @property
    def log_fk(self) -> str:
        """The name of the log model's foreign key to the workflow object."""
        if self._log_fk is None:
            for f in self.log_model._meta.get_fields():
                if f.many_to_one and f.related_model is self.model:
                    self._log_fk = f.name
                    break
            else:
                raise TypeError(f"{self.log_model.__name__} has no foreign key to {self.model.__name__}")
        return self._log_fk

    def action(self, name: str) -> Action:
        try:
            return self.actions[name]
        except KeyError:
            raise ApplicationError(_("Unknown action."), field="action") from None

    def state_of(self, obj) -> str:
        return getattr(obj, self.state_field)

    def available(self, user, obj) -> list[Action]:
        """The actions `user` may take now: for buttons. The service checks again on the locked row."""
        state = self.state_of(obj)
        return [a for a in self.actions.values() if a.fits(state) and a.allowed(user, obj)]

    def history(self, obj):
        return self.log_model._default_manager.filter(**{self.log_fk: obj}).select_related("actor").order_by(
            "at", "pk")

    def label_of(self, action: str, labels: dict | None = None):
        if action in self.actions:
            return self.actions[action].label
        return (labels or {}).get(action, action)

    def timeline(self, obj, *, labels: dict | None = None) -> list[dict]:
        """The history of `obj` for the timeline partial (templates/crm/_timeline.html): labels in the
        reader's language, states by their display names. `labels` names steps that are not actions."""
        states = dict(self.model._meta.get_field(self.state_field).flatchoices)
        return [{"at": row.at, "actor": row.actor, "action": row.action, "label": self.label_of(row.action, labels),
                 "from_state": row.from_state, "to_state": row.to_state,
                 "from_label": states.get(row.from_state, row.from_state),
                 "to_label": states.get(row.to_state, row.to_state),
                 "moved": row.from_state != row.to_state, "comment": row.comment, "data": row.data}
                for row in self.history(obj)]

    def log(self, obj, *, action: str, user, from_state: str = "", to_state: str = "", comment: str = "",
            data: dict | None = None, at=None) -> TransitionLog:
        """Write a log row for a step that is not a transition (e.g. the creation of the object)."""
        return self.log_model._default_manager.create(
            **{self.log_fk: obj}, actor=user, action=action, from_state=from_state, to_state=to_state,
            comment=comment or "", data=data or {}, at=at or timezone.now())

    def transition(self, obj, *, action: str, user, comment: str = "", data: dict | None = None):
        """Take `action` on `obj` as `user`. Returns the locked, updated object.

        Raises PermissionDeniedError (403) when the guard refuses, ConflictError (409) when the action
        does not fit the current state, ApplicationError (400) when `apply` refuses the input."""
        step = self.action(action)
        data = dict(data or {})
        with transaction.atomic():
            # No select_related: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
            try:
                locked = self.model._default_manager.select_for_update().get(pk=obj.pk)
            except self.model.DoesNotExist:
                raise ConflictError(self.moved_on) from None  # deleted meanwhile: it has moved on too
            if not step.allowed(user, locked):
                raise PermissionDeniedError(step.denied or NOT_ALLOWED)
            source = self.state_of(locked)
            if not step.fits(source):
                raise ConflictError(self.moved_on, extra={"state": source})
            target = step.target_for(locked, data)
            setattr(locked, self.state_field, target)
            fields = {self.state_field}
            if step.apply is not None:
                fields.update(step.apply(locked, user=user, data=data, comment=comment) or ())
            if any(f.name == "updated_at" for f in self.model._meta.concrete_fields):
                fields.add("updated_at")
            locked.save(update_fields=sorted(fields))
            logged = {key: data[key] for key in step.input_names() if key in data}
            self.log(locked, action=step.name, user=user, from_state=source, to_state=target, comment=comment,
                     data=logged)
        return locked


def transition(workflow: Workflow, obj, *, action: str, user, comment: str = "", data: dict | None = None):
    """`workflow.transition(...)` as a function, for services that read better that way."""
    return workflow.transition(obj, action=action, user=user, comment=comment, data=data)
