from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from crm.forms import ProfileForm
from crm.home import home_panels
from crm.notifications import notification_mark_read
from crm.roles import role_names


@login_required
def home(request):
    return render(request, "crm/home.html", {"panels": home_panels(request.user), "roles": role_names(request.user)})


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        translation.activate(user.language)
        messages.success(request, _("Your profile has been saved."))
        response = redirect("profile")
        response.set_cookie("django_language", user.language, samesite="Lax")
        return response
    return render(request, "crm/profile.html", {"form": form})


@require_POST
def set_language(request):
    """The language switch in the header: remembered on the user's profile when signed in."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(request.user._meta.get_field("language").choices):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return django_set_language(request)


@login_required
def notifications(request):
    items = request.user.notifications.all()[:100]
    return render(request, "crm/notifications.html", {"notifications": items})


@login_required
@require_POST
def notifications_mark_read(request):
    raw_id = request.POST.get("id")
    notification_mark_read(user=request.user, notification_id=int(raw_id) if raw_id and raw_id.isdigit() else None)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "notifications"
    return redirect(next_url)


def healthz(request):
    """For load balancers and Docker: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
