from django.urls import path

from ccehub.panels import views, views_case

app_name = "panels"
urlpatterns = [
    path("", views.home, name="home"),
    path("settings/", views.settings, name="settings"),
    path("referrals/new/", views.referral_new, name="referral-new"),
    path("referrals/<str:referral_id>/", views.referral_detail, name="referral"),
    path("referrals/<str:referral_id>/requests/new/", views.request_new, name="request-new"),
    path("requests/<str:request_id>/respond/", views.request_respond, name="request-respond"),
    path("requests/<str:request_id>/withdraw/", views.request_withdraw, name="request-withdraw"),
    path("meetings/new/", views.meeting_new, name="meeting-new"),
    path("meetings/<str:meeting_id>/", views.meeting_detail, name="meeting"),
    path("meetings/<str:meeting_id>/agenda/", views.agenda_build, name="agenda-build"),
    path("meetings/<str:meeting_id>/agenda/<str:referral_id>/", views.agenda_add, name="agenda-add"),
    path("meetings/<str:meeting_id>/attendance/", views.attendance, name="attendance"),
    path("meetings/<str:meeting_id>/papers/", views.papers, name="papers"),
    path("meetings/<str:meeting_id>/cases/<str:referral_id>/decide/", views.decide, name="decide"),
    path("qa/", views.qa_list, name="qa"),
    path("qa/export.<str:fmt>", views.qa_download, name="qa-export"),
    path("qa/<str:decision_id>/", views.qa_detail, name="qa-decision"),
    path("monitoring/", views.monitoring, name="monitoring"),
    path(
        "referrals/<str:referral_id>/lead-social-worker/",
        views_case.lead_social_worker,
        name="lead-social-worker",
    ),
    path("referrals/<str:referral_id>/refer-to-sca/", views_case.refer_to_sca, name="refer-to-sca"),
    path("referrals/<str:referral_id>/sca-decision/", views_case.sca_decision, name="sca-decision"),
    path("referrals/<str:referral_id>/plans/new/", views_case.plan_new, name="plan-new"),
    path("referrals/<str:referral_id>/close/", views_case.case_close, name="case-close"),
    path("plans/<str:plan_id>/", views_case.plan_detail, name="plan"),
    path("plans/<str:plan_id>/close/", views_case.plan_close, name="plan-close"),
    path("plans/<str:plan_id>/review/", views_case.plan_review, name="plan-review"),
    path("plans/actions/<str:action_id>/done/", views_case.plan_action_done, name="plan-action-done"),
    path("plans/actions/<str:action_id>/drop/", views_case.plan_action_drop, name="plan-action-drop"),
    path("referrals/<str:referral_id>/orders/new/", views_case.order_new, name="order-new"),
    path("orders/<str:order_id>/", views_case.order_detail, name="order"),
    path("orders/<str:order_id>/breaches/new/", views_case.breach_new, name="breach-new"),
    path("orders/<str:order_id>/<str:to_status>/", views_case.order_step, name="order-step"),
    path("breaches/<str:breach_id>/response/", views_case.breach_response, name="breach-response"),
]
