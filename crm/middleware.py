from django.conf import settings
from django.http import Http404
from django.utils import translation


class UserLanguageMiddleware:
    """Serves a signed-in user in the language of their profile; others by cookie/browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return None


class ApplicationErrorMiddleware:
    """Error pages for what a view raised.

    - In DEBUG (`make run`) a 404 raised by one of the application's views, e.g. an archive the user may
      not read, shows the application's 404 page as production does, so the README tour shows what users
      will see; a URL that matches no pattern keeps Django's debug page, which lists the patterns.
    - A request body the server cannot decode (a form posted in GBK that claims UTF-8) answers the 400
      page instead of a server error.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __call__(self, request):
        # Read the form here, before the CSRF middleware does: an exception in its process_view would
        # bypass process_exception and become a server error.
        # The API takes JSON only: a form body there is DRF's to refuse (415), not read here.
        if (request.method == "POST" and request.content_type in self.FORM_TYPES
                and not request.path.startswith("/api/")):
            try:
                request.POST  # noqa: B018
            except UnicodeDecodeError as error:
                from crm import views

                return views.bad_request(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        from crm import views  # the views import forms and models: not at start-up

        if isinstance(exception, UnicodeDecodeError):
            return views.bad_request(request, exception)
        if isinstance(exception, Http404) and settings.DEBUG and not request.path_info.startswith("/api/"):
            return views.page_not_found(request, exception)
        return None
