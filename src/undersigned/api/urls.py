from django.urls import path

from . import views
from .api import api

urlpatterns = [
    path("api/v1/", api.urls),
]

# The organisers' pages of API tokens sit with the dashboard, in every language.
dashboard_patterns = [
    path(
        "dashboard/organisations/<slug:slug>/api-tokens/",
        views.organisation_tokens,
        name="organisation_tokens",
    ),
    path(
        "dashboard/organisations/<slug:slug>/api-tokens/<int:pk>/revoke/",
        views.token_revoke_view,
        name="token_revoke",
    ),
]
