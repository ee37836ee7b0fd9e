"""A deterministic demo organisation shaped like a university, as the HR system's files.

seed_demo feeds these files through the ordinary import, so a demo organisation is made
exactly the way a real one is, and a second run changes nothing. The benchmark uses the
same files at 10,000 people.
"""

import csv
import io
from dataclasses import dataclass

from people.importing import PEOPLE_COLUMNS, PEOPLE_OPTIONAL, UNIT_COLUMNS, UNIT_OPTIONAL

GIVEN_NAMES = [
    "Kari",
    "Ola",
    "Ingrid",
    "Lars",
    "Sigrid",
    "Per",
    "Astrid",
    "Knut",
    "Solveig",
    "Bjørn",
    "Marit",
    "Erik",
    "Ragnhild",
    "Jon",
    "Liv",
    "Håkon",
    "Berit",
    "Magnus",
    "Åse",
    "Nils",
    "Hilde",
    "Tor",
    "Gunn",
    "Anders",
    "Tone",
    "Eirik",
    "Randi",
    "Jørgen",
    "Silje",
    "Kristian",
    "Nora",
    "Even",
    "Maja",
    "Sindre",
    "Ida",
    "Amir",
    "Fatima",
    "Jonas",
    "Emma",
    "Tobias",
    "Leah",
    "Aksel",
    "Sara",
    "Mathias",
    "Hanna",
    "Sander",
    "Thea",
    "Ali",
]
FAMILY_NAMES = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Henriksen",
    "Lund",
    "Sørensen",
    "Jakobsen",
    "Moen",
    "Gundersen",
    "Iversen",
    "Strand",
    "Solberg",
    "Svendsen",
    "Eide",
    "Knutsen",
    "Martinsen",
    "Paulsen",
    "Bakken",
    "Kristoffersen",
    "Mathisen",
    "Lie",
    "Amundsen",
    "Nguyen",
    "Rasmussen",
    "Ali",
    "Lunde",
    "Solheim",
    "Berge",
    "Moe",
    "Nygård",
    "Bakke",
    "Kristensen",
    "Fredriksen",
    "Holm",
    "Lien",
    "Hauge",
]
# Each faculty with the departments it may have, and research-group topics per department.
FACULTIES = [
    (
        "MN",
        "Faculty of Mathematics and Natural Sciences",
        ["Physics", "Chemistry", "Informatics", "Biosciences", "Geosciences", "Mathematics"],
    ),
    (
        "HF",
        "Faculty of Humanities",
        ["Linguistics", "History", "Philosophy", "Archaeology", "Media Studies", "Musicology"],
    ),
    (
        "SV",
        "Faculty of Social Sciences",
        ["Economics", "Psychology", "Sociology", "Political Science", "Geography", "Anthropology"],
    ),
    (
        "MED",
        "Faculty of Medicine",
        [
            "Health Sciences",
            "Clinical Medicine",
            "Basic Medical Sciences",
            "Nursing",
            "Public Health",
            "Nutrition",
        ],
    ),
    (
        "JUS",
        "Faculty of Law",
        [
            "Private Law",
            "Public and International Law",
            "Criminology",
            "Legal History",
            "Tax Law",
            "Legal Theory",
        ],
    ),
    (
        "TEK",
        "Faculty of Engineering",
        ["Electronics", "Mechanical Engineering", "Civil Engineering", "Energy", "Cybernetics", "Materials"],
    ),
    (
        "UV",
        "Faculty of Educational Sciences",
        [
            "Education",
            "Special Needs Education",
            "Teacher Education",
            "Learning Sciences",
            "Didactics",
            "Pedagogy",
        ],
    ),
    (
        "OD",
        "Faculty of Dentistry",
        [
            "Oral Biology",
            "Clinical Dentistry",
            "Orthodontics",
            "Oral Surgery",
            "Paediatric Dentistry",
            "Prosthetics",
        ],
    ),
    (
        "TF",
        "Faculty of Theology",
        [
            "Church History",
            "Biblical Studies",
            "Systematic Theology",
            "Religion and Society",
            "Practical Theology",
            "Ethics",
        ],
    ),
    ("KU", "Faculty of Fine Arts", ["Music", "Design", "Visual Arts", "Theatre", "Film", "Art History"]),
]
GROUP_TOPICS = ["Theory", "Methods", "Data", "Society", "Practice"]

# The demo logins, always the same people whatever the size.
DEMO_PASSWORD = "demo"
DEMO_LOGINS = {
    "hr": "hr@demo.example",
    "hr_faculty": "hr.faculty@demo.example",
    "manager": "manager@demo.example",
    "employee": "employee@demo.example",
    "director": "director@demo.example",
}


@dataclass
class Person:
    number: str
    given: str
    family: str
    email: str
    job_kind: str
    unit: str
    partner: str = ""
    partner_kind: str = ""
    language: str = "nb"


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _ascii(text: str) -> str:
    return text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a").replace(" ", "")


def demo_organisation(employees: int = 60) -> tuple[str, str]:
    """(units.csv, people.csv) for a university of exactly `employees` people."""
    n = max(employees, 20)
    faculties = _clamp(n // 1250, 2, len(FACULTIES))
    departments = _clamp(n // (faculties * 400), 2, 6)
    groups = _clamp(n // (faculties * departments * 60), 1, 5)

    units: list[tuple[str, str, str, str]] = []  # code, name, parent, head number
    people: list[Person] = []
    counter = iter(range(1, 10**7))

    def person(job_kind, unit, partner="", kind="", email=None) -> Person:
        i = next(counter)
        given = GIVEN_NAMES[(i * 7) % len(GIVEN_NAMES)]
        family = FAMILY_NAMES[(i * 11 + i // len(FAMILY_NAMES)) % len(FAMILY_NAMES)]
        number = f"E{i:05d}"
        p = Person(
            number=number,
            given=given,
            family=family,
            email=email or f"{_ascii(given)}.{_ascii(family)}.{i}@demo.example",
            job_kind=job_kind,
            unit=unit,
            partner=partner,
            partner_kind=kind,
            language="en" if i % 3 == 0 else "nb",
        )
        people.append(p)
        return p

    rector = person("academic", "UNI")
    units.append(("UNI", "University of Demo", "", rector.number))
    director = person("administrative", "ADM", rector.number, "immediate_superior", DEMO_LOGINS["director"])
    units.append(("ADM", "Central Administration", "UNI", director.number))
    person("administrative", "ADM", director.number, "immediate_superior", DEMO_LOGINS["hr"])
    # Staff slots: (unit, job kind, partner number, partner kind, weight).
    slots: list[tuple[str, str, str, str, int]] = [
        ("ADM", "administrative", director.number, "immediate_superior", 1)
    ]

    for f in range(faculties):
        code, name, subjects = FACULTIES[f]
        dean = person("academic", code, rector.number, "head_of_unit")
        units.append((code, name, "UNI", dean.number))
        admin_head = person(
            "administrative",
            f"{code}-ADM",
            dean.number,
            "immediate_superior",
            DEMO_LOGINS["hr_faculty"] if f == 0 else None,
        )
        units.append((f"{code}-ADM", f"{name}: Administration", code, admin_head.number))
        slots.append((f"{code}-ADM", "administrative", admin_head.number, "immediate_superior", 1))
        for d in range(departments):
            dept_code = f"{code}-D{d + 1}"
            dept_name = f"Department of {subjects[d]}"
            head = person(
                "academic",
                dept_code,
                dean.number,
                "head_of_unit",
                DEMO_LOGINS["manager"] if (f, d) == (0, 0) else None,
            )
            units.append((dept_code, dept_name, code, head.number))
            if (f, d) == (0, 0):
                # The demo employee is an academic in the demo manager's department.
                person("academic", dept_code, head.number, "head_of_unit", DEMO_LOGINS["employee"])
            slots.append((dept_code, "academic", head.number, "head_of_unit", 3))
            slots.append((dept_code, "administrative", head.number, "immediate_superior", 1))
            for g in range(groups):
                group_code = f"{dept_code}-G{g + 1}"
                leader = person("academic", group_code, head.number, "head_of_unit")
                topic = f"{subjects[d]}: {GROUP_TOPICS[g]}"
                units.append((group_code, f"Research group {topic}", dept_code, leader.number))
                slots.append((group_code, "technical", leader.number, "research_group_leader", 1))
                slots.append((group_code, "academic", leader.number, "professional_leader", 1))

    weighted = [slot for slot in slots for _ in range(slot[4])]
    i = 0
    while len(people) < n:
        unit, kind, partner, partner_kind, _weight = weighted[i % len(weighted)]
        person(kind, unit, partner, partner_kind)
        i += 1
    return _units_csv(units), _people_csv(people[:n] if len(people) > n else people)


def _units_csv(units) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(UNIT_COLUMNS + UNIT_OPTIONAL)
    writer.writerows(units)
    return out.getvalue()


def _people_csv(people: list[Person]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PEOPLE_COLUMNS + PEOPLE_OPTIONAL)
    for p in people:
        writer.writerow(
            [p.number, p.given, p.family, p.email, p.job_kind, p.unit, p.partner, p.partner_kind, p.language]
        )
    return out.getvalue()
