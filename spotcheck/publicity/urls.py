from django.urls import path

from spotcheck.publicity import views

app_name = "publicity"

urlpatterns = [
    path("", views.index, name="index"),
    path("plans/", views.plan_list, name="plans"),
    path("results/", views.result_list, name="results"),
    path("results/<int:pk>/", views.result_detail, name="result"),
    path("corrections/", views.correction_list, name="corrections"),
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/new/", views.complaint_create, name="complaint_create"),
    path("complaints/track/", views.complaint_track, name="complaint_track"),
    path("draws/", views.draw_list, name="draws"),
    path("draws/verify_draw.py", views.verifier, name="verifier"),
    path("draws/<str:code>/", views.draw_detail, name="draw"),
    path("draws/<str:code>/bundle.zip", views.draw_bundle, name="draw_bundle"),
    path("audit/anchors/", views.audit_anchors, name="audit_anchors"),
]
