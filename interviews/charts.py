"""Geometry for the dashboard's charts, drawn as SVG by templates (no JavaScript, no CDN).

Each state has a fill pattern as well as a colour, and every bar and line carries its
figures as text, so the charts read without colour and print in black and white.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from interviews.dashboard import Figures, Progress

# Stacked in the order an interview moves: done first, so the bars line up on the left.
BAR_STATES = ("signed", "held", "scheduled", "planned", "excused", "cancelled")
BAR_WIDTH = 400  # the bars' share of the 800-unit-wide drawing; names to the left, figures right
BAR_LEFT = 240
BAR_HEIGHT = 22
BAR_GAP = 12


@dataclass
class Segment:
    state: str
    count: int
    x: float
    width: float

    @property
    def text_x(self) -> float:
        return self.x + self.width / 2

    @property
    def labelled(self) -> bool:
        # Room for two digits inside the segment.
        return self.width >= 22


@dataclass
class Bar:
    label: str
    y: float
    figures: Figures
    url: str = ""
    segments: list[Segment] = field(default_factory=list)

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT / 2


@dataclass
class BarChart:
    bars: list[Bar]
    height: float
    left: int = BAR_LEFT
    width: int = BAR_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def right_label_x(self) -> int:
        return self.left + self.width + 10


def completion_bars(items: list[tuple[str, Figures, str]]) -> BarChart:
    """One bar per unit, 100 % wide, split by state: where each unit stands, whatever its size."""
    bars = []
    for index, (label, figures, url) in enumerate(items):
        bar = Bar(label=label, y=index * (BAR_HEIGHT + BAR_GAP) + 4, figures=figures, url=url)
        x = float(BAR_LEFT)
        for state in BAR_STATES:
            count = getattr(figures, state)
            if not count:
                continue
            width = BAR_WIDTH * count / figures.total
            bar.segments.append(Segment(state=state, count=count, x=x, width=width))
            x += width
        bars.append(bar)
    return BarChart(bars=bars, height=max(1, len(bars)) * (BAR_HEIGHT + BAR_GAP) + 8)


# --- completion week by week -----------------------------------------------------------

PLOT_LEFT, PLOT_TOP, PLOT_WIDTH, PLOT_HEIGHT = 56, 16, 600, 240


@dataclass
class Line:
    label: str
    points: list[tuple[float, float, int, float]]  # x, y, week number, percent
    dashed: bool
    marker: str  # "circle" or "square": the two lines differ in shape, not only colour

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _week, _pct in self.points)

    @property
    def last(self):
        return self.points[-1] if self.points else None


@dataclass
class LineChart:
    lines: list[Line]
    weeks: int
    x_ticks: list[tuple[float, int]]
    y_ticks: list[tuple[float, int]]
    left: int = PLOT_LEFT
    top: int = PLOT_TOP
    width: int = PLOT_WIDTH
    height: int = PLOT_HEIGHT

    @property
    def bottom(self) -> int:
        return self.top + self.height

    @property
    def right(self) -> int:
        return self.left + self.width


def weekly_lines(current: Progress, previous: Progress | None) -> LineChart:
    """Completion after each week of this cycle, and of the previous one at the same point."""
    weeks = max(len(current.signed_by_week), len(previous.signed_by_week) if previous else 0, 1)

    def x_of(index: int) -> float:
        return PLOT_LEFT + (PLOT_WIDTH * index / (weeks - 1) if weeks > 1 else 0)

    def y_of(percent: float) -> float:
        return PLOT_TOP + PLOT_HEIGHT * (1 - percent / 100)

    def line(progress: Progress, label: str, dashed: bool, marker: str) -> Line:
        points = []
        for index in range(len(progress.signed_by_week)):
            percent = progress.percent(index) or 0.0
            points.append((x_of(index), y_of(percent), index + 1, percent))
        return Line(label=label, points=points, dashed=dashed, marker=marker)

    lines = [line(current, _("This cycle: %(name)s") % {"name": current.cycle.name}, False, "circle")]
    if previous is not None:
        lines.append(line(previous, _("Previous: %(name)s") % {"name": previous.cycle.name}, True, "square"))
    step = max(1, weeks // 8)
    x_ticks = [(x_of(i), i + 1) for i in range(0, weeks, step)]
    y_ticks = [(y_of(p), p) for p in (0, 25, 50, 75, 100)]
    return LineChart(lines=lines, weeks=weeks, x_ticks=x_ticks, y_ticks=y_ticks)
