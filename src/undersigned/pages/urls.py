from django.conf import settings
from django.urls import path
from django.views.generic import TemplateView

from . import audit_views, embed, numbers_views, review_views, share, views

# What the privacy pages say of this site's settings; a template calls each when it renders.
KEPT = {
    "fraud_window_days": lambda: settings.FRAUD_WINDOW_DAYS,
    "data_request_hours": lambda: settings.DATA_REQUEST_MAX_AGE // 3600,
    "operator": lambda: settings.PRIVACY_OPERATOR,
    "contact": lambda: settings.PRIVACY_CONTACT,
}

urlpatterns = [
    path("", views.home, name="home"),
    path("letters/<slug:slug>/", views.letter_detail, name="letter"),
    path("letters/<slug:slug>/sign/", views.sign, name="letter_sign"),
    path("letters/<slug:slug>/signatures/", views.letter_signatures, name="letter_signatures"),
    path("letters/<slug:slug>/versions/", views.letter_versions, name="letter_versions"),
    path("letters/<slug:slug>/count.json", views.letter_count_json, name="letter_count"),
    path("letters/<slug:slug>/challenge.json", views.letter_challenge, name="letter_challenge"),
    path("letters/<slug:slug>/report/", review_views.letter_report, name="letter_report"),
    path("letters/<slug:slug>/embed/", embed.letter_embed, name="letter_embed"),
    path(
        "letters/<slug:slug>/embed/signed/",
        embed.letter_embed_signed,
        name="letter_embed_signed",
    ),
    path("letters/<slug:slug>/share.png", share.letter_share_image, name="letter_share_image"),
    path(
        "what-we-keep/",
        TemplateView.as_view(template_name="pages/what_we_keep.html", extra_context=KEPT),
        name="what_we_keep",
    ),
    path(
        "privacy/",
        TemplateView.as_view(template_name="pages/privacy.html", extra_context=KEPT),
        name="privacy",
    ),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/letters/<slug:slug>/preview/", views.letter_preview, name="letter_preview"),
    path(
        "dashboard/letters/<slug:slug>/numbers/",
        numbers_views.letter_numbers_page,
        name="letter_numbers",
    ),
    path(
        "dashboard/organisations/<slug:slug>/audit/",
        audit_views.organisation_audit,
        name="organisation_audit",
    ),
    path("dashboard/audit/", audit_views.audit_all, name="audit_all"),
    path("dashboard/review/", review_views.review_queue, name="review_queue"),
    path(
        "dashboard/review/letters/<slug:slug>/",
        review_views.review_letter,
        name="review_letter",
    ),
    path("dashboard/letters/<slug:slug>/appeal/", review_views.letter_appeal, name="letter_appeal"),
]
