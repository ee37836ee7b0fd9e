from django.db.models import Count, Exists, OuterRef, Q

from people.models import OrgUnit, ReportingLine, User
from people.selectors import hr_role_of


def roles(request):
    """What the navigation needs to know about the signed-in user's roles.

    One query for all of it: every full page pays for this, so it is kept to a single row.
    """
    user = request.user
    if not user.is_authenticated:
        return {}
    role = hr_role_of(user)
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            # Anyone who is, or was, somebody's interview partner has a list of interviews.
            partner=Exists(ReportingLine.objects.filter(partner=OuterRef("pk"))),
            heads=Exists(OrgUnit.objects.filter(head=OuterRef("pk"))),
            unread=Count("notifications", filter=Q(notifications__read_at__isnull=True)),
        )
        .values("partner", "heads", "unread")
        .first()
    ) or {"partner": False, "heads": False, "unread": 0}
    return {
        "is_hr": role is not None,
        "is_hr_whole_organisation": bool(role and role.whole_organisation),
        "is_partner": row["partner"],
        "unread_reminders": row["unread"],
        # HR and heads of unit keep unit goals and see their units' progress.
        "keeps_goals": role is not None or row["heads"],
        "is_head": row["heads"],
    }
