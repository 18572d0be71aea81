"""The HTML door of a workflow: one POST view that checks access, validates the step's form, calls the
service (`Workflow.transition` unless `perform` says otherwise), says what happened and redirects.

    class ComplaintActionView(TransitionView):
        workflow = COMPLAINT_FLOW
        forms = {"reply": ReplyForm, "judge": JudgeForm}

        def get_object(self):
            return get_object_or_404(complaints_visible_to(self.request.user), pk=self.kwargs["pk"])

        def get_success_url(self, obj):
            return reverse("complaints:detail", args=[obj.pk])
"""

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from crm.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from crm.workflow import Action, Workflow


class TransitionView(LoginRequiredMixin, View):
    workflow: Workflow
    action_field = "action"
    comment_field = "comment"
    forms: dict[str, type[django_forms.Form] | None] = {}
    http_method_names = ["post"]

    def get_object(self):
        """The object, through the access rules: raise Http404 for one the user may not see."""
        raise NotImplementedError

    def get_success_url(self, obj) -> str:
        raise NotImplementedError

    def perform(self, obj, step: Action, *, comment: str, data: dict):
        return self.workflow.transition(obj, action=step.name, user=self.request.user, comment=comment, data=data)

    def success_message(self, obj, step: Action) -> str:
        return _("%(step)s: done.") % {"step": step.label}

    def step_data(self, step: Action) -> tuple[str, dict] | None:
        """The comment and the step's inputs from its form, or None (with messages) when the form is invalid."""
        post = self.request.POST
        form_class = self.forms.get(step.name)
        comment = post.get(self.comment_field, "").strip()
        if form_class is None:
            return comment, {}
        form = form_class(post)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(self.request, error)
            return None
        data = {key: value for key, value in form.cleaned_data.items() if key not in (self.action_field,
                                                                                        self.comment_field)}
        return form.cleaned_data.get(self.comment_field, comment) or "", data

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        step = self.workflow.actions.get(request.POST.get(self.action_field, ""))
        if step is None:
            messages.error(request, _("Unknown action."))
            return redirect(self.get_success_url(obj))
        inputs = self.step_data(step)
        if inputs is None:
            return redirect(self.get_success_url(obj))
        comment, data = inputs
        try:
            obj = self.perform(obj, step, comment=comment, data=data)
        except ConflictError as error:
            # Someone else was quicker: say so plainly, the page will show the current state.
            messages.warning(request, str(error.message))
        except PermissionDeniedError as error:
            messages.error(request, str(error.message))
        except ApplicationError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, self.success_message(obj, step))
        return redirect(self.get_success_url(obj))
