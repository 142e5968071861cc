"""The root URL conf: each app's own, and the libraries'."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from undersigned.api.urls import dashboard_patterns as api_dashboard_patterns
from undersigned.pages.views import language_choose

# The pages people read, at one address per language (lib/languages.py): English without a
# prefix, every other language under its code.
urlpatterns = i18n_patterns(
    path("", include("undersigned.pages.urls")),
    path("", include("undersigned.signing.urls")),
    path("", include("undersigned.updates.urls")),
    path("", include("undersigned.deliveries.urls")),
    path("", include("undersigned.digests.urls")),
    path("", include("undersigned.moderation.urls")),
    path("", include("undersigned.letters.urls")),
    path("", include("undersigned.organisations.urls")),
    path("", include("undersigned.mail.urls")),
    path("", include("undersigned.paper.urls")),
    path("", include("undersigned.transparency.page_urls")),
    path("", include("undersigned.webhooks.urls")),
    path("", include(api_dashboard_patterns)),
    path("accounts/", include("allauth.urls")),
    prefix_default_language=False,
)
urlpatterns += [
    path("language/<str:code>/", language_choose, name="language_choose"),
    path("", include("undersigned.api.urls")),
    path("", include("undersigned.transparency.urls")),
    path("admin/", admin.site.urls),
]
