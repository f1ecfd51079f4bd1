from django.urls import path

from ccehub.children import (
    context_views,
    crisis_views,
    debt_views,
    early_warning_views,
    missing_views,
    placement_views,
    police_protection_views,
    service_views,
    views,
)
from ccehub.justice import views as justice_views

app_name = "children"
urlpatterns = [
    path("", views.child_list_view, name="list"),
    path("new/", views.child_new, name="new"),
    path("history/", views.history_index, name="history-index"),
    path("<str:pid>/", views.child_detail, name="detail"),
    path("<str:pid>/export.json", views.child_export_view, name="export"),
    path("<str:pid>/history/", views.child_history, name="history"),
    path("<str:pid>/emergency-access/", views.emergency_access, name="emergency-access"),
    path("<str:pid>/missing/", missing_views.missing_list, name="missing"),
    path("<str:pid>/placements/", placement_views.placements_page, name="placements"),
    path("<str:pid>/crisis/", crisis_views.crisis_page, name="crisis"),
    path("<str:pid>/early-warnings/", early_warning_views.early_warnings_page, name="early_warnings"),
    path("<str:pid>/context/", context_views.contextual_risks_page, name="context"),
    path("<str:pid>/context/<str:risk_id>/end/", context_views.contextual_risk_end_page, name="context-end"),
    path("<str:pid>/debts/", debt_views.debts_page, name="debts"),
    path("<str:pid>/debts/<str:debt_id>/plan/", debt_views.debt_plan_page, name="debt-plan"),
    path("<str:pid>/debts/<str:debt_id>/clear/", debt_views.debt_clear_page, name="debt-clear"),
    path("<str:pid>/services/", service_views.service_referrals_page, name="services"),
    path("<str:pid>/services/<str:referral_id>/", service_views.service_referral_page, name="service"),
    path(
        "<str:pid>/services/<str:referral_id>/correct/",
        service_views.service_referral_correct_page,
        name="service-correct",
    ),
    path(
        "<str:pid>/police-protection/",
        police_protection_views.police_protection_page,
        name="police_protection",
    ),
    path("<str:pid>/missing/new/", missing_views.missing_new, name="missing-new"),
    path("<str:pid>/missing/<str:episode_id>/found/", missing_views.missing_found, name="missing-found"),
    path(
        "<str:pid>/missing/<str:episode_id>/follow-up/",
        missing_views.missing_follow_up_view,
        name="missing-follow-up",
    ),
    path("<str:pid>/charges/", justice_views.charge_list, name="charges"),
    path("<str:pid>/charges/new/", justice_views.charge_new, name="charge-new"),
    path("<str:pid>/charges/<str:charge_id>/", justice_views.charge_detail, name="charge"),
    path(
        "<str:pid>/charges/<str:charge_id>/court/", justice_views.court_outcome_new, name="court-outcome-new"
    ),
    path(
        "<str:pid>/charges/<str:charge_id>/court/<str:outcome_id>/ended-early/",
        justice_views.sentence_end_early,
        name="sentence-ended-early",
    ),
]
