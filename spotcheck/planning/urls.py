from django.urls import path

from spotcheck.planning import views

app_name = "planning"

urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("new/", views.plan_create, name="plan_create"),
    path("preview/", views.plan_preview, name="plan_preview"),
    path("review/", views.review_queue, name="review_queue"),
    path("coverage/", views.coverage, name="coverage"),
    path("calendar/", views.calendar, name="calendar"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:pk>/transition/", views.plan_transition, name="plan_transition"),
    path("<int:pk>/draw/", views.plan_draw, name="plan_draw"),
    path("<int:pk>/figures/", views.plan_figures, name="plan_figures"),
]
