"""The prep forms: autosave and share."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from interviews import partners, services
from interviews.sections import SECTION_KEYS, SECTIONS
from interviews.views.common import _int, _party_interview
from interviews.views.meetings import _interview_page

# Said on an autosave's answer when the text was saved: static/js/talk.js forgets its kept
# copy only then (a refusal or a conflict is answered 200 too, with its message).
SAVED_HEADER = "X-Talk-Saved"

# --- prep forms ------------------------------------------------------------------------


@require_POST
def prep_save_view(request, pk):
    """Save the author's prep form: one section from autosave (htmx), or every section from a plain POST."""
    values = {key: request.POST[key] for key in SECTION_KEYS if key in request.POST}
    expected = _int(request.POST.get("version"))
    try:
        # Autosave runs on every pause in typing: one UPDATE that checks who, which version
        # and whether the form is still open. Only when it saves nothing is the interview
        # loaded (404 for outsiders) to say why.
        version = (
            services.prep_save_fast(
                interview_id=pk, author=request.user, values=values, expected_version=expected
            )
            if expected
            else None
        )
    except ValidationError as exc:
        version, early_error = None, exc
    else:
        early_error = None
    if version is not None:
        return _prep_saved(request, pk, version)
    interview = _party_interview(request, pk)
    try:
        if early_error is not None:
            raise early_error
        if expected is None:
            raise ValidationError(_("The page is out of date; reload it."))
        version = services.prep_save(
            interview=interview, author=request.user, values=values, expected_version=expected
        )
    except services.PrepConflict as conflict:
        if request.htmx:
            saved = [
                (section.title, getattr(conflict.current, section.key))
                for section in SECTIONS
                if section.key in values
            ]
            # "Save mine over it" sends only the sections whose saved text the alert shows.
            fields = ", ".join(f"#id_{key}" for key in values)
            return _status(
                interview=interview, conflict=conflict.current, conflict_texts=saved, conflict_fields=fields
            )
        messages.error(
            request, _("Your preparation was changed in another window meanwhile; nothing was saved.")
        )
        return _interview_page(request, interview, conflict=conflict.current, mine=values)
    except ValidationError as exc:
        if request.htmx:
            return _status(interview=interview, errors=exc.messages)
        messages.error(request, " ".join(exc.messages))
        return _interview_page(request, interview, mine=values)
    return _prep_saved(request, pk, version)


def _prep_saved(request, pk, version):
    if request.htmx:
        response = _status(version=version, saved_at=timezone.now())
        response[SAVED_HEADER] = "1"
        return response
    messages.success(request, _("Your preparation is saved."))
    return redirect("interviews:interview_detail", pk=pk)


def _status(**context) -> HttpResponse:
    # Rendered without the request: the fragment needs no menu, so an autosave pays for no
    # context-processor queries.
    return HttpResponse(render_to_string("interviews/_prep_status.html", context))


@require_POST
def prep_share_view(request, pk):
    interview = _party_interview(request, pk)
    if request.POST.get("confirm") != "1":
        # Sections left empty are asked about first, by name: shared, the form is read as
        # the author's whole preparation.
        empty = services.prep_empty_sections(interview=interview, author=request.user)
        if empty:
            return _interview_page(request, interview, share_confirm=[s.title for s in empty])
    try:
        services.prep_share(interview=interview, author=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        other = interview.partner if request.user.pk == interview.employee_id else interview.employee
        messages.success(request, _("Your preparation is shared with %(other)s.") % {"other": other})
    return redirect("interviews:interview_detail", pk=interview.pk)


@require_POST
def history_share_view(request, pk):
    """The employee shows their previous talk (held with another partner) to this one, or stops."""
    interview = _party_interview(request, pk)
    if request.user.pk != interview.employee_id:
        raise Http404  # the employee's choice alone
    share = request.POST.get("share") == "1"
    try:
        partners.history_share(interview=interview, by=request.user, share=share)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            (
                _("%(partner)s can now read your previous talk's conclusions and actions.")
                if share
                else _("%(partner)s no longer sees your previous talk.")
            )
            % {"partner": interview.partner},
        )
    return redirect(f"{reverse('interviews:interview_detail', args=[interview.pk])}#section-follow_up")
