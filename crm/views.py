from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
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
    return redirect(safe_next_url(request, request.POST.get("next", ""), default="notifications"))


def safe_next_url(request, next_url: str, *, default: str = "home") -> str:
    """`next` when it is a path of this site that exists, else the URL of `default`: a foreign host,
    a relative word like "abc" or a path that resolves to nothing never reaches redirect()."""
    if next_url and next_url.startswith("/") and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        try:
            resolve(next_url.split("?", 1)[0].split("#", 1)[0])
        except Resolver404:
            pass
        else:
            return next_url
    return reverse(default)


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


# --- Error pages -----------------------------------------------------------------------------------
# One refusal rule (README "Refusals"): a page the user's role may not use answers 403; an object the
# user may not read (or that does not exist: the two look the same) answers 404.


def _request_access_url(request) -> str:
    """On a 404 under /customers/<id>/, the page where the user asks for access to that archive."""
    try:
        match = request.resolver_match or resolve(request.path_info)
    except Resolver404:
        return ""
    pk = match.kwargs.get("pk") if match.namespace == "customers" else None
    if pk is None or not request.user.is_authenticated or "access_request_create" in match.url_name:
        return ""
    try:
        return reverse("customers:access_request_create", args=[pk])
    except NoReverseMatch:
        return ""


def page_not_found(request, exception=None):
    context = {"request_access_url": _request_access_url(request)}
    return render(request, "404.html", context, status=404)


def permission_denied(request, exception=None):
    return render(request, "403.html", {}, status=403)


def bad_request(request, exception=None):
    return render(request, "400.html", {}, status=400)


def server_error(request):
    """Rendered without the request's context (no database, no user, no context processors): whatever
    broke the page may break those too. The language is the one the request was being served in."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"LANGUAGE_CODE": translation.get_language()}))


def bad_request_text(request) -> HttpResponseBadRequest:
    """A 400 page for a request the server cannot read (a form posted in another encoding)."""
    return HttpResponseBadRequest(loader.render_to_string("400.html", {}, request))
