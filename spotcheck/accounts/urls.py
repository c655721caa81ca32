from django.contrib.auth import views as auth_views
from django.urls import path

from spotcheck.accounts import manage_views, otp_views, token_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    # Second factor (accounts.otp): enrolment at first sign-in, the code, the reset.
    path("otp/enrol/", otp_views.otp_enrol, name="otp_enrol"),
    path("otp/verify/", otp_views.otp_verify, name="otp_verify"),
    path("users/<int:pk>/otp/reset/", otp_views.otp_reset, name="otp_reset"),
    path("users/", views.user_list, name="users"),
    path("users/<int:pk>/role/", views.user_grant_role, name="grant_role"),
    # The user's own API tokens.
    path("tokens/", token_views.api_tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", token_views.api_token_revoke, name="api_token_revoke"),
    # Account management (manage_views): the system administrator's pages, the department
    # picker, staff import, enterprise accounts and the public activation page.
    path("users/new/", manage_views.account_create, name="user_create"),
    path("users/<int:pk>/", manage_views.user_detail, name="user_detail"),
    path("users/<int:pk>/disable/", manage_views.user_disable, name="user_disable"),
    path("users/<int:pk>/enable/", manage_views.user_enable, name="user_enable"),
    path("users/<int:pk>/unlock/", manage_views.user_unlock, name="user_unlock"),
    path("users/<int:pk>/reset/", manage_views.user_password_reset, name="user_reset"),
    path("departments/options/", manage_views.department_options, name="department_options"),
    *manage_views.STAFF_IMPORT_PAGES.urls(),
    path("enterprise/", manage_views.enterprise_accounts, name="enterprise_accounts"),
    path("enterprise/<int:pk>/new/", manage_views.enterprise_account_create,
         name="enterprise_account_create"),
    path("enterprise/<int:pk>/code/", manage_views.activation_code_issue,
         name="activation_code_issue"),
    path("activate/", manage_views.enterprise_activate, name="activate"),
]
