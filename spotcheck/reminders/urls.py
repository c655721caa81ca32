from django.urls import path

from spotcheck.reminders import views

app_name = "reminders"

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("<int:pk>/read/", views.notification_read, name="notification_read"),
    path("read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("calendar/", views.calendar, name="calendar"),
    path("late/", views.late, name="late"),
]
