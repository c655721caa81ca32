from django.urls import path

from spotcheck.publicity import views

app_name = "publicity"

urlpatterns = [
    path("", views.index, name="index"),
    path("draws/", views.draw_list, name="draws"),
    path("draws/verify_draw.py", views.verifier, name="verifier"),
    path("draws/<str:code>/", views.draw_detail, name="draw"),
    path("draws/<str:code>/bundle.zip", views.draw_bundle, name="draw_bundle"),
    path("audit/anchors/", views.audit_anchors, name="audit_anchors"),
]
