"""The seven sections of the prep form and their guiding prompts, in the product's own words.

Prompts differ for the employee and the manager (both prepare, for a two-way talk), and
some are adapted to the employee's job kind.
"""

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

EMPLOYEE = "employee"
MANAGER = "manager"


@dataclass(frozen=True)
class Section:
    key: str
    number: int
    title: Promise
    employee_prompts: tuple[Promise, ...]
    manager_prompts: tuple[Promise, ...]
    # Extra prompts by the employee's job kind (administrative, academic, technical), for the
    # employee and for the manager.
    by_job_kind: dict[str, tuple[Promise, ...]] = field(default_factory=dict)
    manager_by_job_kind: dict[str, tuple[Promise, ...]] = field(default_factory=dict)

    def prompts(self, *, role: str, job_kind: str) -> list[Promise]:
        if role == EMPLOYEE:
            return [*self.employee_prompts, *self.by_job_kind.get(job_kind, ())]
        return [*self.manager_prompts, *self.manager_by_job_kind.get(job_kind, ())]


SECTIONS: tuple[Section, ...] = (
    Section(
        "follow_up",
        1,
        _("Follow-up of the previous interview"),
        (
            _("What did we conclude last time, and what has become of each action we agreed?"),
            _("What went as planned, and what got in the way?"),
        ),
        (
            _("Which of last year's agreed actions are done, and which need a new plan?"),
            _("What did you, as the manager, promise, and did you keep it?"),
        ),
    ),
    Section(
        "unit_goals",
        2,
        _("Unit goals"),
        (
            _("Which of the unit's goals does your work serve most?"),
            _("Where do you see a gap between the goals and your everyday work?"),
        ),
        (
            _("Which of the unit's goals matter most for this employee's work in the coming period?"),
            _("How would you explain the link between their tasks and those goals?"),
        ),
    ),
    Section(
        "work_tasks",
        3,
        _("Work tasks"),
        (
            _("What are your main tasks today, and how do you prioritise them?"),
            _("What matters most and least in your work? What could be left undone?"),
            _("Would you like new or different tasks?"),
            _("What do you need to do your work well?"),
        ),
        (
            _("How do you see the employee's tasks and priorities?"),
            _("What is going well, and what should change?"),
            _("Are there tasks you would like to give them, or take away?"),
        ),
        {
            "academic": (
                _("How is your time divided between research, teaching, supervision and administration?"),
                _("Is that distribution of duties right for you and for the unit?"),
            ),
            "technical": (
                _("Which projects or research groups do you support, and how are your tasks given to you?"),
            ),
        },
        {
            "academic": (
                _(
                    "Is the employee's distribution of duties between research, teaching, supervision and "
                    "administration right for them and for the unit?"
                ),
            ),
            "technical": (
                _("Are the employee's tasks across projects and research groups clear and well balanced?"),
            ),
        },
    ),
    Section(
        "working_environment",
        4,
        _("Working environment"),
        (
            _("How do you find the working environment, psychosocial and physical?"),
            _("How is the cooperation with your colleagues, and with other units?"),
            _("What would make your working day better?"),
        ),
        (
            _("How do you see the employee's place in the team and their cooperation with others?"),
            _("Is there anything in the working environment you should follow up?"),
        ),
    ),
    Section(
        "leadership",
        5,
        _("Leadership"),
        (
            _("How do you experience the way you are led? What works well?"),
            _("What would you like your manager to do more of, less of, or differently?"),
            _("Do you get the feedback, support and information you need?"),
        ),
        (
            _("What feedback on your leadership would you like from the employee?"),
            _("How do you think you have followed up this employee in the past period?"),
        ),
    ),
    Section(
        "development",
        6,
        _("Professional and personal development"),
        (
            _("How are you doing in your role?"),
            _("Which skills would you like to develop, and what training would help?"),
            _("What are your career wishes, in the short and the long term?"),
        ),
        (
            _("How do you see the employee's development and their needs for training?"),
            _("Are their career plans realistic, and how can the unit support them?"),
        ),
        {
            "academic": (_("What do you need to progress in research, teaching or towards promotion?"),),
        },
        {
            "academic": (
                _(
                    "What support does the employee need to progress in research, teaching or towards promotion?"
                ),
            ),
        },
    ),
    Section(
        "plans",
        7,
        _("Plans and goals for the next period"),
        (
            _(
                "Which goals would you set for the next period? Make them realistic, with a deadline, and within "
                "your own responsibility and authority."
            ),
            _("Which of the unit's goals does each of them serve?"),
        ),
        (
            _("Which goals would you propose for the employee in the next period, and by when?"),
            _("What will you do as the manager to make them possible?"),
        ),
    ),
)

SECTION_KEYS = tuple(section.key for section in SECTIONS)
MAX_SECTION_LENGTH = 20_000


def text_problems(values: dict[str, str]) -> dict[str, list[str]]:
    """What is wrong with each text the person typed: too long, or holding a NUL character
    (it comes with some pastes; the database cannot store it). Empty when all is well."""
    from django.utils.translation import gettext

    problems = {}
    for key, text in values.items():
        if len(text) > MAX_SECTION_LENGTH:
            problems[key] = [
                gettext("This text is %(length)d characters long; the most is %(max)d.")
                % {"length": len(text), "max": MAX_SECTION_LENGTH}
            ]
        elif "\x00" in text:
            problems[key] = [
                gettext(
                    "This text holds an invisible null character that cannot be saved; retype or re-paste it."
                )
            ]
    return problems
