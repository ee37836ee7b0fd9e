from people.selectors import hr_role_of, nav_facts


def roles(request):
    """What the navigation needs to know about the signed-in user's roles.

    HR comes from the user's own HR role (read fresh: it decides access, not only the
    menu); the rest from nav_facts.
    """
    user = request.user
    if not user.is_authenticated:
        return {}
    role = hr_role_of(user)
    row = nav_facts(user)
    return {
        "is_hr": role is not None,
        "is_hr_whole_organisation": bool(role and role.whole_organisation),
        "is_partner": row["partner"],
        "unread_reminders": row["unread"],
        # HR and heads of unit keep unit goals and see their units' progress.
        "keeps_goals": role is not None or row["heads"],
        "is_head": row["heads"],
    }
