from django.contrib import admin
from django.urls import include, path

from ccehub.api import api
from ccehub.common import two_factor_views
from ccehub.common import views as common_views

handler404 = "ccehub.common.views.not_found"
handler403 = "ccehub.common.views.permission_denied"

urlpatterns = [
    path("", common_views.dashboard, name="dashboard"),
    path("accounts/login/", common_views.LoginView.as_view(), name="login"),
    path("accounts/login/code/", two_factor_views.login_code, name="login-code"),
    path("accounts/login/recovery/", two_factor_views.login_recovery, name="login-recovery"),
    path("accounts/logout/", common_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", two_factor_views.two_factor_page, name="two-factor"),
    path("accounts/two-factor/turn-off/", two_factor_views.two_factor_turn_off, name="two-factor-off"),
    path("accounts/membership/", common_views.switch_membership, name="switch-membership"),
    path("children/", include("ccehub.children.urls")),
    path("reports/", include("ccehub.reports.urls")),
    path("incidents/", include("ccehub.incidents.urls")),
    path("lookup/", include("ccehub.records.urls")),
    path("panels/", include("ccehub.panels.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
