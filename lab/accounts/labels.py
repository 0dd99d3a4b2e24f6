"""Labels of the accounts domain's choices, marked for translation and translated where shown."""

from lab.core.i18n import N_

STATUS = {
    "job_seeker": N_("En recherche d'emploi"),
    "student": N_("Élève ou étudiant·e"),
    "training": N_("En formation"),
    "employed": N_("En emploi"),
    "inactive": N_("Sans activité"),
    "other": N_("Autre situation"),
}
GENDER = {
    "female": N_("Femme"),
    "male": N_("Homme"),
    "other": N_("Autre"),
    "undisclosed": N_("Préfère ne pas le dire"),
}
EDUCATION = {
    "none": N_("Sans diplôme"),
    "level3": N_("CAP, BEP (niveau 3)"),
    "level4": N_("Bac (niveau 4)"),
    "level5": N_("Bac +2 (niveau 5)"),
    "level6": N_("Bac +3 ou plus (niveau 6 et plus)"),
    "undisclosed": N_("Préfère ne pas le dire"),
}
PRIORITY_AREA = {
    "yes": N_("Oui"),
    "no": N_("Non"),
    "undisclosed": N_("Ne sait pas ou préfère ne pas le dire"),
}
TIMEZONES = {
    "Europe/Paris": N_("France métropolitaine (Europe/Paris)"),
    "Europe/Brussels": N_("Belgique (Europe/Brussels)"),
    "Indian/Reunion": N_("La Réunion (Indian/Reunion)"),
    "America/Guadeloupe": N_("Guadeloupe, Martinique (America/Guadeloupe)"),
}
