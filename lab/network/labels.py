"""The network's lists and their labels (French source; translated where shown)."""

from __future__ import annotations

from lab.core.i18n import N_

PARTNER_KINDS = {
    "employment_service": N_("Service public de l'emploi"),
    "training": N_("Organisme de formation"),
    "job_coaching": N_("Accompagnement vers l'emploi"),
    "social_economy": N_("Économie sociale"),
    "youth": N_("Service jeunesse"),
    "health": N_("Santé"),
    "housing": N_("Logement"),
    "employer": N_("Employeur"),
    "other": N_("Autre"),
}
THEME_KINDS = {
    "training_offer": N_("Présentation d'une offre de formation"),
    "hiring_plan": N_("Plan d'embauche"),
    "decree": N_("Nouveau décret ou nouvelle règle"),
    "local_event": N_("Événement local"),
    "other": N_("Autre"),
}
PRESENCES = {
    "invited": N_("Invité"),
    "present": N_("Présent"),
    "absent": N_("Absent"),
    "excused": N_("Excusé"),
}
ACTION_KINDS = {
    "joint_workshop": N_("Atelier commun"),
    "job_dating": N_("Job dating"),
    "info_session": N_("Séance d'information pour les jeunes"),
    "shared_training": N_("Formation partagée"),
    "other": N_("Autre"),
}
ACTION_STATUSES = {
    "proposed": N_("Proposée"),
    "under_way": N_("En cours"),
    "done": N_("Réalisée"),
    "abandoned": N_("Abandonnée"),
}
NEEDS = {
    "training": N_("Formation"),
    "job": N_("Emploi"),
    "housing": N_("Logement"),
    "health": N_("Santé"),
    "rights": N_("Droits et démarches"),
    "mobility": N_("Mobilité"),
    "other": N_("Autre besoin"),
}
REFERRAL_STATUSES = {
    "sent": N_("Envoyée"),
    "taken_up": N_("Suivie"),
    "not_taken_up": N_("Pas suivie"),
    "outcome_known": N_("Résultat connu"),
}
OUTCOMES = {
    "found_training": N_("Entrée en formation"),
    "found_job": N_("Emploi trouvé"),
    "found_housing": N_("Logement trouvé"),
    "care": N_("Prise en charge"),
    "rights_opened": N_("Droits ouverts"),
    "other": N_("Autre résultat"),
    "none": N_("Sans résultat"),
}
