"""The root URL conf: each app's own, and the libraries'."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("undersigned.pages.urls")),
    path("", include("undersigned.signing.urls")),
    path("", include("undersigned.updates.urls")),
    path("", include("undersigned.deliveries.urls")),
    path("", include("undersigned.digests.urls")),
    path("", include("undersigned.moderation.urls")),
    path("", include("undersigned.letters.urls")),
    path("", include("undersigned.organisations.urls")),
    path("", include("undersigned.api.urls")),
    path("", include("undersigned.mail.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
