from django.urls import path

from interviews import views

app_name = "interviews"

urlpatterns = [
    path("cycles/", views.cycle_list, name="cycle_list"),
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/edit/", views.cycle_edit, name="cycle_edit"),
    path("cycles/<int:pk>/launch/", views.cycle_launch, name="cycle_launch"),
    path("cycles/<int:pk>/add-missing/", views.cycle_add_missing, name="cycle_add_missing"),
    path("cycles/<int:pk>/close/", views.cycle_close, name="cycle_close"),
    path("cycles/<int:pk>/dashboard/", views.cycle_dashboard, name="cycle_dashboard"),
    # Each export as CSV and as XLSX: one URL per format, the same view and access checks.
    path(
        "cycles/<int:pk>/dashboard.csv",
        views.cycle_dashboard_export,
        {"fmt": "csv"},
        name="cycle_dashboard_csv",
    ),
    path(
        "cycles/<int:pk>/dashboard.xlsx",
        views.cycle_dashboard_export,
        {"fmt": "xlsx"},
        name="cycle_dashboard_xlsx",
    ),
    path("cycles/<int:pk>/progress/", views.cycle_progress, name="cycle_progress"),
    path(
        "cycles/<int:pk>/progress.csv", views.cycle_progress_export, {"fmt": "csv"}, name="cycle_progress_csv"
    ),
    path(
        "cycles/<int:pk>/progress.xlsx",
        views.cycle_progress_export,
        {"fmt": "xlsx"},
        name="cycle_progress_xlsx",
    ),
    path("cycles/<int:pk>/units/<int:unit_pk>/", views.cycle_unit, name="cycle_unit"),
    path(
        "cycles/<int:pk>/units/<int:unit_pk>/interviews.csv",
        views.cycle_unit_export,
        {"fmt": "csv"},
        name="cycle_unit_csv",
    ),
    path(
        "cycles/<int:pk>/units/<int:unit_pk>/interviews.xlsx",
        views.cycle_unit_export,
        {"fmt": "xlsx"},
        name="cycle_unit_xlsx",
    ),
    path(
        "cycles/<int:pk>/units/<int:unit_pk>/managers/", views.cycle_unit_managers, name="cycle_unit_managers"
    ),
    path("cycles/<int:pk>/units/<int:unit_pk>/nudge/", views.cycle_unit_nudge, name="cycle_unit_nudge"),
    path("interviews/", views.my_interviews, name="my_interviews"),
    path("interviews/<int:pk>/", views.interview_detail, name="interview_detail"),
    path("interviews/<int:pk>/schedule/", views.interview_schedule, name="interview_schedule"),
    path("interviews/<int:pk>/cancel/", views.interview_cancel, name="interview_cancel"),
    path("interviews/<int:pk>/excuse/", views.interview_excuse, name="interview_excuse"),
    path("interviews/<int:pk>/reopen/", views.interview_reopen, name="interview_reopen"),
    path("interviews/<int:pk>/held/", views.interview_held, name="interview_held"),
    path("interviews/<int:pk>/interview.ics", views.interview_calendar, name="interview_calendar"),
    path("interviews/<int:pk>/prep/", views.prep_save_view, name="prep_save"),
    path("interviews/<int:pk>/prep/share/", views.prep_share_view, name="prep_share"),
    path("interviews/<int:pk>/history/", views.history_share_view, name="history_share"),
    path("hr/units/<int:pk>/guidelines/", views.guideline_edit, name="guideline_edit"),
    path("interviews/<int:pk>/record/", views.record_page, name="record"),
    path("interviews/<int:pk>/record/save/", views.record_save_view, name="record_save"),
    path("interviews/<int:pk>/record/actions/", views.record_action_add, name="record_action_add"),
    path(
        "interviews/<int:pk>/record/actions/<int:action_pk>/remove/",
        views.record_action_remove,
        name="record_action_remove",
    ),
    path("interviews/<int:pk>/record/goals/", views.record_goal_add, name="record_goal_add"),
    path(
        "interviews/<int:pk>/record/goals/<int:goal_pk>/remove/",
        views.record_goal_remove,
        name="record_goal_remove",
    ),
    path("interviews/<int:pk>/record/sign/", views.record_sign_view, name="record_sign"),
    path("interviews/<int:pk>/record/correct/", views.record_correct_view, name="record_correct"),
    path("interviews/<int:pk>/record/<int:number>/summary.pdf", views.record_pdf, name="record_pdf"),
    path("interviews/<int:pk>/record/verify/", views.record_verify_view, name="record_verify"),
]
