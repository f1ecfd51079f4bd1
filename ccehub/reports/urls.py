from django.urls import path

from ccehub.reports import views

app_name = "reports"
urlpatterns = [
    path("vulnerabilities/", views.vulnerabilities, name="vulnerabilities"),
    path("vulnerabilities.svg", views.vulnerabilities_svg, name="vulnerabilities-svg"),
    path("vulnerabilities.csv", views.vulnerabilities_csv, name="vulnerabilities-csv"),
]
