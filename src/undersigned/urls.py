from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from undersigned.api import views as api
from undersigned.letters import views as letters
from undersigned.mail import views as mail
from undersigned.signing import views as signing

urlpatterns = [
    path("", letters.home, name="home"),
    path("letters/<slug:slug>/", letters.letter_detail, name="letter"),
    path("letters/<slug:slug>/sign/", signing.sign, name="letter_sign"),
    path("letters/<slug:slug>/signed/", signing.signed, name="letter_signed"),
    path("letters/<slug:slug>/signatures/", letters.letter_signatures, name="letter_signatures"),
    path("letters/<slug:slug>/versions/", letters.letter_versions, name="letter_versions"),
    path("letters/<slug:slug>/count.json", letters.letter_count_json, name="letter_count"),
    path("letters/<slug:slug>/manage/", signing.manage_link, name="letter_manage_link"),
    path("confirm/<str:token>/", signing.confirm, name="signature_confirm"),
    path("signature/<str:token>/", signing.manage, name="signature_manage"),
    path("api/v1/letters/", api.letter_list, name="api_letters"),
    path("api/v1/letters/<slug:slug>/", api.letter_detail, name="api_letter"),
    path(
        "what-we-keep/",
        TemplateView.as_view(template_name="pages/what_we_keep.html"),
        name="what_we_keep",
    ),
    path("outbox/", mail.outbox, name="outbox"),
    path("outbox/<int:pk>/", mail.outbox_message, name="outbox_message"),
    path("", include("undersigned.organisations.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
