"""Pages of results across departments and risk (R-R3, R-R4), under /oversight/."""

from django.urls import path

from spotcheck.oversight import risk_views

urlpatterns = [
    path("results/", risk_views.entity_results, name="entity_results"),
    path("joint-punishment/", risk_views.joint_punishment, name="joint_punishment"),
    path("risk/", risk_views.risk_warnings, name="risk_warnings"),
]
