from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/moderation/", views.platform_moderation, name="platform_moderation"),
    path(
        "dashboard/letters/<slug:slug>/moderation/",
        views.letter_moderation,
        name="letter_moderation",
    ),
    path(
        "dashboard/letters/<slug:slug>/moderation/signatures/",
        views.letter_moderation_signatures,
        name="letter_moderation_signatures",
    ),
    path(
        "dashboard/letters/<slug:slug>/moderation/signatures/<int:pk>/",
        views.moderation_signature,
        name="moderation_signature",
    ),
    path(
        "dashboard/letters/<slug:slug>/moderation/batch/",
        views.letter_moderation_batch,
        name="letter_moderation_batch",
    ),
    path(
        "dashboard/letters/<slug:slug>/moderation/batches/<int:pk>/",
        views.moderation_batch,
        name="moderation_batch",
    ),
    path(
        "dashboard/letters/<slug:slug>/moderation/batches/<int:pk>/undo/",
        views.moderation_batch_undo,
        name="moderation_batch_undo",
    ),
    path(
        "dashboard/letters/<slug:slug>/comments/",
        views.letter_comments,
        name="letter_comments",
    ),
    path(
        "dashboard/letters/<slug:slug>/comments/<int:pk>/",
        views.letter_comment,
        name="letter_comment",
    ),
]
