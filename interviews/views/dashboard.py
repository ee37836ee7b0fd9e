"""The cycle dashboard for HR and heads of unit: figures, drill-down, managers, progress, exports.

Status only, everywhere: states, dates, share flags and counts. The one link to content
is the archived signed summary, for HR of the unit where the cycle archives them.
"""

import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from interviews import charts, dashboard, services
from interviews.models import Cycle, Interview
from interviews.views.common import page_of
from people import spreadsheets
from people.models import OrgUnit
from people.selectors import hr_role_of

# Fifty rows a page: enough to scan, and a page that renders at once for a unit of thousands.
DRILL_PAGE_SIZE = 50


def _viewer(request) -> dashboard.Viewer:
    viewer = dashboard.dashboard_viewer(request.user)
    if viewer is None:
        raise Http404
    return viewer


def _cycle(request, pk) -> tuple[dashboard.Viewer, Cycle]:
    viewer = _viewer(request)
    return viewer, get_object_or_404(dashboard.dashboard_cycles(viewer), pk=pk)


def _unit(cycle: Cycle, viewer: dashboard.Viewer, unit_pk) -> OrgUnit:
    """A unit of the cycle that the viewer may see, or 404."""
    unit = dashboard.cycle_unit(cycle, viewer, unit_pk)
    if unit is None:
        raise Http404
    return unit


def _sort(request) -> tuple[str, bool]:
    sort = request.GET.get("sort", "name")
    if sort not in dashboard.SORT_KEYS:
        sort = "name"
    return sort, request.GET.get("dir") == "desc"


def _figures_key(cycle: Cycle, viewer: dashboard.Viewer) -> str:
    scope = "*" if viewer.paths is None else ",".join(sorted(viewer.paths))
    digest = hashlib.sha256(scope.encode()).hexdigest()
    # v2: shared prep counts interviews that go ahead only (not excused or cancelled).
    return f"dashboard-figures:v2:{cycle.pk}:{timezone.localdate().isoformat()}:{digest}"


def _figures(cycle: Cycle, viewer: dashboard.Viewer):
    """(totals, unit tree, when they were counted): counted at most once a minute per scope.

    Counting a cycle of ten thousand interviews and their actions takes the database tens
    of milliseconds; HR reloading and opening units would count it again on every click.
    The figures are kept in the shared cache for DASHBOARD_CACHE_SECONDS, per cycle and per
    set of units the viewer may see (never shared between scopes), and the page says when
    they were counted. The CSV export always counts afresh.
    """
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        return (*dashboard.dashboard_units(cycle, viewer), None)
    key = _figures_key(cycle, viewer)
    cached = cache.get(key)
    if cached is None:
        cached = (*dashboard.dashboard_units(cycle, viewer), timezone.now())
        cache.set(key, cached, seconds)
    return cached


def cycle_dashboard(request, pk):
    viewer, cycle = _cycle(request, pk)
    key = _body_key(request, cycle, viewer)
    body = cache.get(key) if key else None
    if body is None:
        result = _dashboard_body(request, cycle, viewer)
        if isinstance(result, HttpResponse):
            return result  # a sub-tree's rows, asked for by the page's script
        body, counted_at = result
        if key and counted_at:
            # Kept no longer than the figures it shows: the page never looks older than
            # "Figures as counted at" says.
            left = settings.DASHBOARD_CACHE_SECONDS - (timezone.now() - counted_at).total_seconds()
            if left >= 1:
                cache.set(key, body, int(left))
    return render(request, "interviews/dashboard.html", {"cycle": cycle, "body": body})


def _body_key(request, cycle: Cycle, viewer: dashboard.Viewer) -> str | None:
    """The cache key of the page's content as this viewer asks for it, or None: not kept.

    Turning the kept figures into the page (sorting the tree, the chart, a table of some
    hundred units) costs more than counting them did once cached, so the rendered content
    is kept beside the figures. It varies with the figures' scope, the query string, the
    language and whether the viewer is HR (the breadcrumbs differ); nothing in it is
    personal, and the page's forms and CSRF token sit outside it, in base.html.
    """
    if not settings.DASHBOARD_CACHE_SECONDS or "children" in request.GET:
        return None
    view = urlencode(sorted(request.GET.items()))
    digest = hashlib.sha256(f"{view}|{get_language()}|{hr_role_of(request.user) is not None}".encode())
    return f"{_figures_key(cycle, viewer)}:body:{digest.hexdigest()}"


def _dashboard_body(request, cycle: Cycle, viewer: dashboard.Viewer):
    """(the rendered content, when its figures were counted), or a sub-tree's rows."""
    totals, roots, counted_at = _figures(cycle, viewer)
    sort, descending = _sort(request)
    roots = dashboard.sort_tree(roots, sort, descending)
    focus = None
    if request.GET.get("unit"):
        focus = dashboard.find_row(roots, _int_or_404(request.GET["unit"]))
        if focus is None:
            raise Http404
    base = focus.level if focus else 0
    expand_all = request.GET.get("expand") == "all"
    rows = [
        row
        for root in ([focus] if focus else roots)
        for row in root.walk()
        # The page lists two levels; a unit's sub-units load when it is opened (a big
        # organisation has hundreds of units), or all at once on request.
        if expand_all or row.level - base <= 1
    ]
    children_of = request.GET.get("children")
    if children_of is not None:
        parent = dashboard.find_row(roots, _int_or_404(children_of))
        if parent is None or (focus and not parent.unit.path.startswith(focus.unit.path)):
            raise Http404
        rows = parent.children
    query = {"unit": focus.unit.pk} if focus else {}
    if sort != "name" or descending:
        query.update(sort=sort, dir="desc" if descending else "asc")
    _decorate(cycle, rows, base, query, opened=expand_all)
    if children_of is not None:
        return render(
            request,
            "interviews/_dashboard_rows.html",
            {"rows": rows, "sort": sort, "descending": descending, "children_of": parent},
        )
    shown = focus or (roots[0] if len(roots) == 1 else None)
    chart = charts.completion_bars(_chart_items(cycle, shown, roots, sort, descending))
    # Breadcrumbs from the figures' own tree: no query.
    trail = []
    if focus:
        by_id = {row.unit.pk: row for root in roots for row in root.walk()}
        trail = [by_id[pk].unit for pk in focus.unit.ancestor_ids()[:-1] if pk in by_id]
    headline = focus.figures if focus else totals
    context = {
        "cycle": cycle,
        "viewer": viewer,
        "counted_at": counted_at,
        "totals": headline,
        "rows": rows,
        "focus": focus,
        "trail": trail,
        "chart": chart,
        "sort": sort,
        "descending": descending,
        "columns": _columns(sort, descending, focus),
        "expand_all": expand_all,
        "expand_url": "?" + urlencode({**query, "expand": "all"}),
        "collapse_url": "?" + urlencode(query),
        "legend": [(state, Interview.State(state).label) for state in charts.BAR_STATES],
    }
    return render_to_string("interviews/_dashboard_body.html", context, request), counted_at


def _chart_items(cycle, shown, roots, sort, descending) -> list[tuple[str, dashboard.Figures, str]]:
    """The chart compares the units one level down from where the viewer stands.

    A unit with sub-units has people of its own too (its head, its staff): they get a bar
    of their own, first and without a link, so that the bars add up to the unit's figures.
    """
    children = bool(shown and shown.children)
    rows = shown.children if children else ([shown] if shown else roots)
    items = [
        (row.unit.name, row.figures, _dashboard_url(cycle, row.unit.pk, sort, descending))
        for row in rows
        if row.figures.total
    ]
    if children and shown.own.total:
        items.insert(0, (_("%(unit)s itself") % {"unit": shown.unit.name}, shown.own, ""))
    return items


def _int_or_404(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _decorate(cycle, rows, base: int, query: dict, *, opened: bool) -> None:
    """Per-row links and display level, computed here once instead of per cell in the template."""
    # One reverse() per kind of link, not two per unit: a page may list hundreds of units.
    unit_url = reverse("interviews:cycle_unit", args=[cycle.pk, 0])
    managers_url = reverse("interviews:cycle_unit_managers", args=[cycle.pk, 0])
    # Translated once for the page: a cell of each side's shared prep reads "8 of 20".
    out_of = _("%(shared)s of %(expected)s")
    for row in rows:
        figures = row.figures
        row.employee_prep = out_of % {"shared": figures.employee_shared, "expected": figures.expected}
        row.manager_prep = out_of % {"shared": figures.manager_shared, "expected": figures.expected}
        row.display_level = row.level - base
        row.bar = round(40 * (row.figures.completion or 0) / 100)
        row.unit_url = unit_url.replace("/0/", f"/{row.unit.pk}/")
        row.managers_url = managers_url.replace("/0/", f"/{row.unit.pk}/")
        row.children_url = "?" + urlencode({**query, "children": row.unit.pk})
        # Its sub-units are on the page already: the top level, or everything when asked.
        row.opened = opened or row.display_level == 0


def _dashboard_url(cycle, unit_pk, sort, descending) -> str:
    query = {"unit": unit_pk}
    if sort != "name" or descending:
        query.update(sort=sort, dir="desc" if descending else "asc")
    return reverse("interviews:cycle_dashboard", args=[cycle.pk]) + "?" + urlencode(query)


# The unit table's columns, every one sortable (keys of dashboard.SORT_KEYS). A state's
# column carries the state's own name, as the exports' headers do.
SORTABLE = [
    ("name", gettext_lazy("Unit")),
    ("total", gettext_lazy("Interviews")),
    ("planned", Interview.State.PLANNED.label),
    ("scheduled", Interview.State.SCHEDULED.label),
    ("held", Interview.State.HELD.label),
    ("signed", Interview.State.SIGNED.label),
    ("excused", gettext_lazy("Excused or cancelled")),
    ("employee_shared", gettext_lazy("Employee prep shared")),
    ("manager_shared", gettext_lazy("Manager prep shared")),
    ("completion", gettext_lazy("Completion")),
    ("overdue", gettext_lazy("Actions open (overdue)")),
    ("without_partner", gettext_lazy("No partner")),
]


def _columns(sort, descending, focus) -> list[dict]:
    """Each column's label, link (the same column again flips the order) and aria-sort value."""
    columns = []
    for key, label in SORTABLE:
        flip = key == sort and not descending
        query = {"sort": key, "dir": "desc" if flip else "asc"}
        if focus:
            query["unit"] = focus.unit.pk
        columns.append(
            {
                "key": key,
                "label": label,
                "url": "?" + urlencode(query),
                "aria": ("descending" if descending else "ascending") if key == sort else "none",
            }
        )
    return columns


# --- exports: CSV and XLSX ------------------------------------------------------------


def cycle_dashboard_export(request, pk, fmt):
    """The units' figures as a CSV or an XLSX file (see people.spreadsheets)."""
    viewer, cycle = _cycle(request, pk)
    _totals, roots = dashboard.dashboard_units(cycle, viewer)
    header = [
        _("Unit code"),
        _("Unit"),
        _("Level"),
        *[label for _key, label, _n in dashboard.Figures().state_counts()],
        _("Interviews"),
        _("Completion (%)"),
        _("Employee prep shared"),
        _("Manager prep shared"),
        _("Open actions"),
        _("Overdue actions"),
        _("Without a partner"),
    ]
    rows = (
        [
            row.unit.code,
            row.unit.name,
            row.level,
            *[n for _key, _label, n in row.figures.state_counts()],
            row.figures.total,
            row.figures.completion,
            row.figures.employee_shared,
            row.figures.manager_shared,
            row.figures.actions_open,
            row.figures.actions_overdue,
            row.figures.without_partner,
        ]
        for root in roots
        for row in root.walk()
    )
    return spreadsheets.export_response(
        fmt, name=(pgettext("file name", "dashboard"), cycle.name), header=header, rows=rows, sheet=_("Units")
    )


# --- drill-down ------------------------------------------------------------------------


def cycle_unit(request, pk, unit_pk):
    viewer, cycle = _cycle(request, pk)
    unit = _unit(cycle, viewer, unit_pk)
    interviews = dashboard.unit_interviews(cycle, viewer, unit)
    state = request.GET.get("state", "")
    if state in Interview.State.values:
        interviews = interviews.filter(state=state)
    page = page_of(
        dashboard.drill_rows(interviews),
        DRILL_PAGE_SIZE,
        request.GET.get("page"),
        count=lambda: _unit_count(cycle, viewer, unit, state, interviews),
    )
    page.object_list = dashboard.with_action_counts(list(page.object_list))
    can_nudge = cycle.state == Cycle.State.OPEN and viewer.nudges_in(unit)
    return render(
        request,
        "interviews/dashboard_unit.html",
        {
            "cycle": cycle,
            "unit": unit,
            "page": page,
            "state": state,
            "states": Interview.State.choices,
            "can_nudge": can_nudge,
            "show_pdf": cycle.archive_for_hr and viewer.hr,
        },
    )


def _unit_count(cycle: Cycle, viewer: dashboard.Viewer, unit: OrgUnit, state: str, interviews) -> int:
    """How many interviews the drill-down pages through, counted at most once a minute.

    The top of an organisation of ten thousand holds ten thousand interviews: counting them
    for "page 3 of 200" on every page HR turns costs the database more than reading the
    page. The count is kept as long as the dashboard's figures are, per scope, unit and
    state; the rows themselves are always read afresh, and a page that a kept count promises
    but that has emptied since is counted again (page_of).
    """
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        return interviews.count()
    return cache.get_or_set(
        f"{_figures_key(cycle, viewer)}:count:{unit.pk}:{state}", interviews.count, seconds
    )


def cycle_unit_export(request, pk, unit_pk, fmt):
    """A unit's interviews (status only) as a CSV or an XLSX file."""
    viewer, cycle = _cycle(request, pk)
    unit = _unit(cycle, viewer, unit_pk)
    interviews = dashboard.unit_interviews(cycle, viewer, unit)
    counts = dashboard.action_counts(cycle, interviews)
    header = [
        _("Employee number"),
        _("Employee"),
        _("Unit"),
        _("Interview partner"),
        _("State"),
        _("Meeting"),
        _("Employee prep shared"),
        _("Manager prep shared"),
        _("Actions"),
        _("Open actions"),
        _("Overdue actions"),
    ]
    rows = (
        [
            i.employee.employee_number,
            str(i.employee),
            i.unit.name,
            str(i.partner),
            i.get_state_display(),
            i.starts_at,
            bool(i.employee_shared),
            bool(i.manager_shared),
            counts.get(i.pk, {}).get("total", 0),
            counts.get(i.pk, {}).get("open", 0),
            counts.get(i.pk, {}).get("overdue", 0),
        ]
        for i in interviews.iterator(chunk_size=2000)
    )
    return spreadsheets.export_response(
        fmt,
        name=(pgettext("file name", "interviews"), cycle.name, unit.code or unit.name),
        header=header,
        rows=rows,
        sheet=_("Interviews"),
    )


def cycle_unit_managers(request, pk, unit_pk):
    viewer, cycle = _cycle(request, pk)
    unit = _unit(cycle, viewer, unit_pk)
    return render(
        request,
        "interviews/dashboard_managers.html",
        {
            "cycle": cycle,
            "unit": unit,
            "managers": dashboard.managers_of(cycle, viewer, unit),
            "behind_weeks": dashboard.BEHIND_AFTER.days // 7,
        },
    )


@require_POST
def cycle_unit_nudge(request, pk, unit_pk):
    viewer, cycle = _cycle(request, pk)
    unit = _unit(cycle, viewer, unit_pk)
    if not viewer.nudges_in(unit):
        raise Http404
    kind = request.POST.get("kind", "")
    try:
        result = services.nudge_send(cycle=cycle, unit=unit, kind=kind, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if result.sent:
            text = ngettext(
                "A reminder went to %(n)d person.", "Reminders went to %(n)d people.", result.sent
            ) % {"n": result.sent}
        else:
            text = _("Nobody in this unit is behind on that just now.")
        if result.already:
            text += " " + ngettext(
                "%(n)d had been reminded today already and got nothing more.",
                "%(n)d had been reminded today already and got nothing more.",
                result.already,
            ) % {"n": result.already}
        messages.success(request, text)
    return redirect("interviews:cycle_unit", pk=cycle.pk, unit_pk=unit.pk)


# --- over time -------------------------------------------------------------------------


def _over_time(cycle, viewer):
    comparison = dashboard.comparable_cycles(cycle, viewer)
    cycles = comparison.cycles
    units = []
    for root in dashboard.dashboard_units_tree(cycle, viewer):
        for row in root.walk():
            if row.level <= 1:
                row.unit.level = row.level
                units.append(row.unit)
    by_year, expected = dashboard.completion_by_year(cycles, viewer, units)
    progress = dashboard.progress_by_week(cycles, viewer, expected=expected)
    previous = progress[cycles[-2].pk] if len(cycles) > 1 else None
    return comparison, progress[cycle.pk], previous, by_year


def cycle_progress(request, pk):
    viewer, cycle = _cycle(request, pk)
    comparison, current, previous, by_year = _over_time(cycle, viewer)
    weeks = max(len(current.signed_by_week), len(previous.signed_by_week) if previous else 0)
    table = [
        (
            week + 1,
            current.percent(week),
            current.signed_by_week[week] if week < len(current.signed_by_week) else None,
            previous.percent(week) if previous else None,
        )
        for week in range(weeks)
    ]
    return render(
        request,
        "interviews/dashboard_progress.html",
        {
            "cycle": cycle,
            "cycles": comparison.cycles,
            # Named on the page: which cycles it compares and which it leaves out.
            "compared": ", ".join(c.name for c in comparison.cycles[:-1]),
            "left_out": ", ".join(c.name for c in comparison.left_out),
            "current": current,
            "previous": previous,
            "chart": charts.weekly_lines(current, previous),
            "weeks": table,
            "by_year": by_year,
        },
    )


def cycle_progress_export(request, pk, fmt):
    """Completion per unit and cycle, year over year, as a CSV or an XLSX file."""
    viewer, cycle = _cycle(request, pk)
    comparison, _current, _previous, by_year = _over_time(cycle, viewer)
    header = [_("Unit code"), _("Unit"), *[f"{c.name} (%)" for c in comparison.cycles]]
    rows = ([unit.code, unit.name, *values] for unit, values in by_year)
    return spreadsheets.export_response(
        fmt,
        name=(pgettext("file name", "year-over-year"), cycle.name),
        header=header,
        rows=rows,
        sheet=_("Completion year over year"),
    )
