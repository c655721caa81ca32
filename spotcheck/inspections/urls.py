from django.urls import path

from spotcheck.inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.task_list, name="tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/form/", views.task_form, name="task_form"),
    path("joint/", views.joint_list, name="joints"),
    path("joint/<int:pk>/", views.joint_detail, name="joint_detail"),
    path("joint/<int:pk>/form/", views.joint_form, name="joint_form"),
    path("joint/<int:pk>/lead/", views.joint_lead, name="joint_lead"),
    path("tasks/<int:pk>/assign/", views.team_assign, name="team_assign"),
    path("staffing/", views.staffing, name="staffing"),
    path("late/<str:kind>/<int:pk>/", views.late_permit, name="late_permit"),
    path("form/<str:kind>/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("form/<str:kind>/<int:pk>/sign/", views.form_sign, name="form_sign"),
    path("form/<str:kind>/<int:pk>/enterprise-sign/", views.enterprise_sign, name="enterprise_sign"),
    path("form/<str:kind>/<int:pk>/violation/", views.violation_create, name="violation_create"),
    path("violations/", views.violation_list, name="violations"),
    path("violations/<int:pk>/", views.violation_detail, name="violation_detail"),
    path("no-penalty/", views.no_penalty, name="no_penalty"),
    path("archive/<str:kind>/<int:pk>/", views.archive_view, name="archive"),
    path("archive/<str:kind>/<int:pk>/pdf/", views.archive_pdf, name="archive_pdf"),
    path("archive/<str:kind>/<int:pk>/zip/", views.archive_zip, name="archive_zip"),
    path("archive/exports/", views.archive_exports, name="archive_exports"),
    path("archive/exports/<int:pk>/file/", views.archive_export_file, name="archive_export_file"),
    path("reviews/", views.review_list, name="reviews"),
    path("review/<str:kind>/<int:pk>/", views.review, name="review"),
    path("merge/", views.window_merge, name="merge"),
    path("filings/", views.filing_list, name="filings"),
    path("filings/new/", views.filing_create, name="filing_create"),
    path("filings/<int:pk>/", views.filing_detail, name="filing_detail"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/pdf/", views.notice_pdf, name="notice_pdf"),
    path("notices/<int:pk>/day/", views.notice_day, name="notice_day"),
    path("notices/check/", views.notice_check, name="notice_check"),
    path("burden/", views.burden_list, name="burden"),
]
