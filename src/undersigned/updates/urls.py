from django.urls import path

from . import views

urlpatterns = [
    path(
        "dashboard/letters/<slug:slug>/updates/",
        views.letter_updates_manage,
        name="letter_updates_manage",
    ),
    path("dashboard/letters/<slug:slug>/updates/new/", views.update_new, name="update_new"),
    path("dashboard/updates/<int:pk>/", views.update_organiser, name="update_organiser"),
    path("dashboard/updates/<int:pk>/email.html", views.update_html, name="update_html"),
    path("dashboard/updates/<int:pk>/edit/", views.update_edit, name="update_edit"),
    path("dashboard/updates/<int:pk>/test/", views.update_test, name="update_test"),
    path("dashboard/updates/<int:pk>/send/", views.update_send_view, name="update_send"),
    path(
        "dashboard/updates/<int:pk>/progress.json",
        views.update_progress_json,
        name="update_progress",
    ),
    path("letters/<slug:slug>/updates/", views.letter_updates, name="letter_updates"),
    path("letters/<slug:slug>/updates/<int:pk>/", views.update_detail, name="update"),
    path(
        "letters/<slug:slug>/updates/feed/",
        views.LetterUpdatesFeed(),
        name="letter_updates_feed",
    ),
    path("unsubscribe/<str:token>/", views.unsubscribe_page, name="unsubscribe"),
]
