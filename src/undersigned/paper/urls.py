from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/letters/<slug:slug>/paper/", views.letter_paper, name="letter_paper"),
    path("dashboard/letters/<slug:slug>/paper/sheet.pdf", views.paper_sheet, name="paper_sheet"),
    path("dashboard/letters/<slug:slug>/paper/enter/", views.paper_enter, name="paper_enter"),
    path("dashboard/letters/<slug:slug>/paper/upload/", views.paper_upload, name="paper_upload"),
    path(
        "dashboard/letters/<slug:slug>/paper/template.csv",
        views.paper_template,
        name="paper_template",
    ),
    path(
        "dashboard/letters/<slug:slug>/paper/<int:pk>/remove/",
        views.paper_remove,
        name="paper_remove",
    ),
]
