from django.urls import path

from spotcheck.oversight import views
from spotcheck.oversight.risk_urls import urlpatterns as risk_urls

app_name = "oversight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    *risk_urls,
]
