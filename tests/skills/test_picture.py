"""The progress picture: a valid SVG image with a title, levels drawn by shape (not colour
alone), and the same facts in words for the page's table."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from lab.skills import picture

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 -- the markup is lab's own, made in this test


@dataclasses.dataclass
class Skill:
    name: str
    rank: int


@dataclasses.dataclass
class Area:
    code: str
    label: str
    skills: list[Skill]


AREAS = [
    Area("1", "Information", [Skill("Chercher sur Internet", 2), Skill("Trier ses fichiers", 0)]),
    Area(
        "2",
        "Communication",
        [
            Skill("Envoyer une pièce jointe", 1),
            Skill("Appeler en vidéo", 2),
            Skill("Écrire un <mail> & plus", 0),
        ],
    ),
    Area("3", "Création", [Skill("Écrire un CV", 0)]),
    Area("4", "Sécurité", [Skill("Choisir un mot de passe", 1)]),
    Area("5", "Résolution de problèmes", []),
]


def test_the_picture_is_valid_svg_named_by_its_title_and_description():
    drawn = picture.draw(AREAS)
    root = parse(str(drawn.svg))  # well-formed, names escaped
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "skills-picture-title skills-picture-desc"
    assert root.find(f"{SVG}title").text == "Mes compétences"
    assert root.find(f"{SVG}title").get("id") == "skills-picture-title"
    assert root.find(f"{SVG}desc").text == (
        "Seul ou seule\u00a0: 2 sur 7. Avec de l'aide\u00a0: 2. Pas encore\u00a0: 3."
    )
    assert "Écrire un &lt;mail&gt; &amp; plus" in str(drawn.svg)


def test_each_area_is_a_row_of_its_skills_with_the_level_drawn_by_shape():
    root = parse(str(picture.draw(AREAS).svg))
    rows = root.findall(f"{SVG}g[@class='skills-area']")
    assert [row.get("data-area") for row in rows] == ["1", "2", "3", "4", "5"]
    levels = [shape.get("class") for shape in rows[1].findall(f"{SVG}g")]
    assert levels == ["skill-with_help", "skill-on_my_own", "skill-not_yet"]
    helped, own, nothing = rows[1].findall(f"{SVG}g")
    # Not by colour alone: a tick on "on my own", a half disc on "with help", a ring alone.
    assert own.find(f"{SVG}path") is not None
    assert helped.find(f"{SVG}path[@class='skill-half']") is not None
    assert nothing.find(f"{SVG}path") is None and nothing.find(f"{SVG}circle") is not None
    assert (
        own.find(f"{SVG}title").text == "Appeler en vidéo\u00a0: Seul ou seule"
    )  # French: no break before ":"
    legend = root.find(f"{SVG}g[@class='skills-legend']")
    assert [text.text for text in legend.findall(f"{SVG}text")] == [
        "Pas encore",
        "Avec de l'aide",
        "Seul ou seule",
    ]


def test_the_text_alternative_counts_each_area():
    rows = picture.draw(AREAS).rows
    assert [(row.label, row.on_my_own, row.with_help, row.not_yet) for row in rows] == [
        ("Information", 1, 0, 1),
        ("Communication", 1, 1, 1),
        ("Création", 0, 0, 1),
        ("Sécurité", 0, 1, 0),
        ("Résolution de problèmes", 0, 0, 0),
    ]
    assert (
        rows[1].summary
        == "Seul ou seule\u00a0: 1 sur 3. Avec de l'aide\u00a0: 1. Pas encore\u00a0: 1."
    )
    assert [(cell.name, cell.label) for cell in rows[0].cells] == [
        ("Chercher sur Internet", "Seul ou seule"),
        ("Trier ses fichiers", "Pas encore"),
    ]


def test_two_pictures_on_one_page_keep_their_ids_apart():
    root = parse(str(picture.draw(AREAS, id_prefix="kiosk-skills").svg))
    assert root.find(f"{SVG}title").get("id") == "kiosk-skills-title"


def test_a_visitor_with_no_skill_yet_gets_a_picture_with_only_the_legend():
    root = parse(str(picture.draw([]).svg))
    assert root.findall(f"{SVG}g[@class='skills-area']") == []
    assert (
        root.find(f"{SVG}desc").text
        == "Seul ou seule\u00a0: 0 sur 0. Avec de l'aide\u00a0: 0. Pas encore\u00a0: 0."
    )


def test_a_long_area_wraps_its_shapes_so_the_picture_stays_narrow_for_a_phone():
    long = Area("2", "Communication", [Skill(f"Compétence {n}", n % 3) for n in range(10)])
    root = parse(str(picture.draw([long]).svg))
    width = float(root.get("viewBox").split()[2])
    assert width <= 400
    assert root.get("width") is None  # the page's box sets the size, on a phone as on a tablet
    centres = [
        (float(circle.get("cx")), float(circle.get("cy")))
        for shape in root.find(f"{SVG}g[@class='skills-area']").findall(f"{SVG}g")
        for circle in shape.findall(f"{SVG}circle")[:1]
    ]
    assert len(centres) == 10
    assert len({y for _x, y in centres}) == 2  # six on the first line, four on the next
    assert all(x + picture.RADIUS <= width for x, _y in centres)
