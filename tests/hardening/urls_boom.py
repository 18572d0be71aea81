"""The project's URLs and error handlers plus a page that fails, for the 500 page test."""

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from crm.urls import handler400, handler403, handler404, handler500  # noqa: F401
from crm.urls import urlpatterns as project_urlpatterns


def boom(request):
    connection.close()  # whatever broke may have broken the database too: the 500 page needs none
    raise RuntimeError("boom")


def decode(request):
    return HttpResponse(request.body.decode("utf-8"))


urlpatterns = [path("boom/", boom), path("decode/", csrf_exempt(decode)), *project_urlpatterns]
