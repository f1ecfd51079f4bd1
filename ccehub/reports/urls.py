from django.urls import path

from ccehub.reports import views

app_name = "reports"
urlpatterns = [
    path("vulnerabilities/", views.vulnerabilities, name="vulnerabilities"),
    path("vulnerabilities.svg", views.vulnerabilities_svg, name="vulnerabilities-svg"),
    path("vulnerabilities.csv", views.vulnerabilities_csv, name="vulnerabilities-csv"),
    path("timeliness/", views.timeliness, name="timeliness"),
    path("missing-before-arrest/", views.early_signs, name="early-signs"),
    path("missing-before-arrest.svg", views.early_signs_svg, name="early-signs-svg"),
    path("missing-before-arrest.csv", views.early_signs_csv, name="early-signs-csv"),
    path("placements/", views.placements, name="placements"),
    path("placements.svg", views.placements_svg, name="placements-svg"),
    path("placements.csv", views.placements_csv, name="placements-csv"),
    path("returns/", views.returns, name="returns"),
    path("returns.svg", views.returns_svg, name="returns-svg"),
    path("returns.csv", views.returns_csv, name="returns-csv"),
    path("timeliness.svg", views.timeliness_svg, name="timeliness-svg"),
    path("timeliness.csv", views.timeliness_csv, name="timeliness-csv"),
]
