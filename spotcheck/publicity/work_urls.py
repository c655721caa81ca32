from django.urls import path

from spotcheck.publicity import work_views as views

app_name = "publication"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("results/<int:pk>/correct/", views.correct, name="correct"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("objections/", views.objection_list, name="objections"),
    path("results/<int:pk>/object/", views.objection_create, name="object"),
    path("objections/<int:pk>/", views.objection_answer, name="objection"),
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint"),
]
