"""Skills tests: the domains wired as the app wires them, and a few practical skills."""

from __future__ import annotations

import pytest

from lab.skills.tables import PracticalSkill
from lab.wiring import wire

SKILLS = {
    "studio": ("Enregistrer un message vocal au studio", "3.1", 2),
    "email": ("Envoyer un e-mail", "2.1", 1),
    "cv": ("Écrire un CV avec un modèle", "3.1", 2),
}


@pytest.fixture
def wired(settings):
    """The booking gate, the completion follower and the badges' issuer, as at start-up
    (not for every test here: the pure ones need no database)."""
    wire(settings)


@pytest.fixture
async def practical_skills(engine, wired) -> dict[str, PracticalSkill]:
    """Three practical skills (the shipped catalogue is tested on its own)."""
    rows = {}
    for position, (code, (name, competence, level)) in enumerate(SKILLS.items()):
        rows[code] = PracticalSkill(
            code=code,
            pictogram="skill",
            name_fr=name,
            name_en=name,
            name_nl=name,
            sentence_fr=f"Je sais : {name.lower()}.",
            sentence_en=f"I can: {name.lower()}.",
            sentence_nl=f"Ik kan: {name.lower()}.",
            alignments=[
                {"framework": "digcomp", "version": "2.2", "code": competence, "level": level}
            ],
            position=position,
        )
        await rows[code].save()
    return rows
