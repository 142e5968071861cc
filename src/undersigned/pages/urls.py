from django.urls import path
from django.views.generic import TemplateView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("letters/<slug:slug>/", views.letter_detail, name="letter"),
    path("letters/<slug:slug>/sign/", views.sign, name="letter_sign"),
    path("letters/<slug:slug>/signatures/", views.letter_signatures, name="letter_signatures"),
    path("letters/<slug:slug>/versions/", views.letter_versions, name="letter_versions"),
    path("letters/<slug:slug>/count.json", views.letter_count_json, name="letter_count"),
    path(
        "what-we-keep/",
        TemplateView.as_view(template_name="pages/what_we_keep.html"),
        name="what_we_keep",
    ),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/letters/<slug:slug>/preview/", views.letter_preview, name="letter_preview"),
]
