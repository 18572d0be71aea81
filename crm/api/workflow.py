"""The REST door of a workflow (SPEC §9): `POST {id}/actions/` with `{"action", "comment", ...the step's
fields}` and a `history` field of `[{"action", "actor", "at", "comment"}]`.

    class ComplaintViewSet(WorkflowActionsMixin, viewsets.ModelViewSet):
        workflow = COMPLAINT_FLOW
        schema_prefix = "Complaint"          # names the schema components: ComplaintReplyAction, …

    class ComplaintSerializer(serializers.ModelSerializer):
        history = HistoryField()             # reads the log through its related name (prefetch it)

The object comes from `get_object()`, so the viewset's queryset applies the access rules (404); the
step's guard answers 403 and a step that does not fit the state 409. Each action has its own small input
serializer, built from the action's `fields`, and the schema documents the body as a oneOf with
`action` as its discriminator.
"""

from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.decorators import action as drf_action
from rest_framework.response import Response

from crm.workflow import Action, Workflow

COMMENT_MAX_LENGTH = 2000

ErrorSerializer = inline_serializer("Error", {"detail": serializers.CharField()})


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


def action_input_serializer(step: Action, prefix: str) -> type[serializers.Serializer]:
    """`{"action": <step>, "comment": "..."}` plus the step's own fields, as one serializer class."""
    base = step.fields or serializers.Serializer
    attrs = {
        "action": serializers.ChoiceField(choices=[step.name], help_text=str(step.name)),
        "comment": serializers.CharField(required=False, allow_blank=True, default="",
                                         max_length=COMMENT_MAX_LENGTH),
    }
    return type(base)(f"{prefix}{_camel(step.name)}Action", (base,), attrs)


class _ActionName(serializers.Serializer):
    action = serializers.CharField()


class HistoryEntrySerializer(serializers.Serializer):
    action = serializers.CharField()
    actor = serializers.IntegerField(allow_null=True, help_text="User id of who took the step.")
    at = serializers.DateTimeField()
    comment = serializers.CharField(allow_blank=True)


@extend_schema_field(HistoryEntrySerializer(many=True))
class HistoryField(serializers.Field):
    """The transition log of the object, oldest first. `source` is the log's related name ("log" by
    default); prefetch it on list endpoints."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "log")
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        rows = sorted(value.all(), key=lambda row: (row.at, row.pk))
        return [{"action": row.action, "actor": row.actor_id, "at": serializers.DateTimeField().to_representation(
            row.at), "comment": row.comment} for row in rows]


class WorkflowActionsMixin:
    """Adds `POST {id}/actions/` to a viewset whose class attribute `workflow` is a crm.workflow.Workflow."""

    workflow: Workflow
    schema_prefix: str = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        workflow = getattr(cls, "workflow", None)
        if workflow is None:
            return
        prefix = cls.schema_prefix or workflow.model.__name__
        cls._action_inputs = {name: action_input_serializer(step, prefix) for name, step in workflow.actions.items()}
        body = PolymorphicProxySerializer(component_name=f"{prefix}Action", resource_type_field_name="action",
                                          serializers={name: ser for name, ser in cls._action_inputs.items()})
        extend_schema_view(actions=extend_schema(
            summary=f"Take a step: {', '.join(workflow.actions)}",
            request=body,
            responses={
                200: cls.serializer_class,
                400: OpenApiResponse(ErrorSerializer, description="Bad input: the field at fault."),
                403: OpenApiResponse(ErrorSerializer, description="You may not take this step."),
                404: OpenApiResponse(ErrorSerializer, description="No such object, or you may not see it."),
                409: OpenApiResponse(ErrorSerializer, description="The step does not fit the current state: "
                                                                  "the record has moved on."),
            },
        ))(cls)

    def perform_transition(self, obj, step: Action, *, comment: str, data: dict):
        return self.workflow.transition(obj, action=step.name, user=self.request.user, comment=comment, data=data)

    @drf_action(detail=True, methods=["post"], url_path="actions")
    def actions(self, request, *args, **kwargs):
        obj = self.get_object()
        name = _ActionName(data=request.data)
        name.is_valid(raise_exception=True)
        if name.validated_data["action"] not in self.workflow.actions:
            raise serializers.ValidationError({"action": [
                f"Unknown action; one of: {', '.join(self.workflow.actions)}."]})
        step = self.workflow.actions[name.validated_data["action"]]
        serializer = self._action_inputs[step.name](data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("action", None)
        comment = data.pop("comment", "") or ""
        obj = self.perform_transition(obj, step, comment=comment, data=data)
        # Read it again through the viewset's queryset: its prefetches, and the history just written.
        obj = self.get_queryset().filter(pk=obj.pk).first() or obj
        return Response(self.get_serializer(obj).data)
