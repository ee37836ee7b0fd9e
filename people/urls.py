from django.urls import path

from people import views

app_name = "people"

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/welcome/", views.welcome_person, name="welcome_person"),
    path("units/<int:pk>/welcome/", views.welcome_unit, name="welcome_unit"),
    path("welcome/", views.welcome_everyone, name="welcome_everyone"),
    path("import/", views.import_start, name="import_start"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/apply/", views.import_apply, name="import_apply"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/new/", views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("audit/", views.audit_log_page, name="audit_log"),
    # What the search shows, as CSV and as XLSX: one URL per format, the same checks.
    path("audit/export.csv", views.audit_log_export, {"fmt": "csv"}, name="audit_log_csv"),
    path("audit/export.xlsx", views.audit_log_export, {"fmt": "xlsx"}, name="audit_log_xlsx"),
]
