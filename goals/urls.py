from django.urls import path

from goals import views

app_name = "goals"

urlpatterns = [
    path("", views.goal_units, name="goal_units"),
    path("units/<int:pk>/", views.unit_goals, name="unit_goals"),
    path("<int:pk>/edit/", views.goal_edit, name="goal_edit"),
    path("<int:pk>/remove/", views.goal_remove, name="goal_remove"),
    path("actions/", views.my_actions, name="my_actions"),
    path("actions/<int:pk>/", views.action_update_view, name="action_update"),
]
