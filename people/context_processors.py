from people.models import Notification, OrgUnit, ReportingLine
from people.selectors import hr_role_of


def roles(request):
    """What the navigation needs to know about the signed-in user's roles."""
    user = request.user
    if not user.is_authenticated:
        return {}
    role = hr_role_of(user)
    return {
        "is_hr": role is not None,
        "is_hr_whole_organisation": bool(role and role.whole_organisation),
        # Anyone who is, or was, somebody's interview partner has a list of interviews.
        "is_partner": ReportingLine.objects.filter(partner=user).exists(),
        # HR and heads of unit keep unit goals.
        "unread_reminders": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        "keeps_goals": role is not None or OrgUnit.objects.filter(head=user).exists(),
    }
