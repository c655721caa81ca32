from django.urls import path

from spotcheck.oversight import views

app_name = "notifications"

urlpatterns = [
    path("", views.public_notifications, name="list"),
    path("<int:pk>/", views.public_notification, name="detail"),
]
