"""The demo network's data: partners and their people around each site, each site's past
meeting, and the referrals made (lab/demo/network.py loads them through the services)."""

from __future__ import annotations

import datetime as dt

# (site slug, name, kind, municipality, services, tags, language, contact people as
# (first name, last name, role, language or None for the organisation's))
PARTNERS = {
    "saint-denis": [
        (
            "France Travail Saint-Denis",
            "employment_service",
            "Saint-Denis",
            "Inscription, offres d'emploi, aides à l'embauche, ateliers collectifs",
            "emploi, alternance",
            "fr",
            [
                ("Nathalie", "Garnier", "Conseillère entreprises"),
                ("Karim", "Bensaïd", "Référent jeunes"),
            ],
        ),
        (
            "Cap emploi 93",
            "job_coaching",
            "Bobigny",
            "Accompagnement vers l'emploi des personnes en situation de handicap",
            "handicap, emploi",
            "fr",
            [("Sophie", "Marchand", "Chargée de mission")],
        ),
        (
            "AFPA Montreuil",
            "training",
            "Montreuil",
            "Formations qualifiantes : logistique, bâtiment, numérique, services à la personne",
            "formation, qualification, logistique",
            "fr",
            [("Éric", "Lambert", "Responsable des parcours")],
        ),
        (
            "GRETA de la Seine-Saint-Denis",
            "training",
            "Saint-Denis",
            "Remise à niveau, français langue étrangère, CAP et titres professionnels",
            "formation, FLE, remise à niveau",
            "fr",
            [("Laura", "Petit", "Coordinatrice")],
        ),
        (
            "École de la deuxième chance 93",
            "training",
            "Saint-Denis",
            "Parcours de 6 à 9 mois en alternance pour les 16-25 ans sans diplôme",
            "formation, 16-25 ans, sans diplôme",
            "fr",
            [("Moussa", "Traoré", "Formateur référent")],
        ),
        (
            "Maison de l'emploi Plaine Commune",
            "job_coaching",
            "Saint-Denis",
            "Clauses d'insertion, forums emploi, accompagnement des créateurs",
            "emploi, clauses sociales, création",
            "fr",
            [("Claire", "Dubois", "Chargée de relations entreprises")],
        ),
        (
            "Régie de quartier Saint-Denis",
            "social_economy",
            "Saint-Denis",
            "Chantiers d'insertion : entretien, espaces verts, second œuvre",
            "insertion, chantier",
            "fr",
            [("Hakim", "Belkacem", "Encadrant technique")],
        ),
        (
            "Point information jeunesse de Saint-Denis",
            "youth",
            "Saint-Denis",
            "Information sur les droits, le logement, la mobilité internationale, le BAFA",
            "jeunesse, information, droits",
            "fr",
            [("Inès", "Morel", "Informatrice jeunesse")],
        ),
        (
            "Centre municipal de santé",
            "health",
            "Saint-Denis",
            "Consultations, bilans de santé gratuits, accès aux droits santé",
            "santé, bilan, droits",
            "fr",
            [("Dr Anne", "Roussel", "Médecin coordinatrice")],
        ),
        (
            "Maison des adolescents 93",
            "health",
            "Bobigny",
            "Écoute et accompagnement des 12-25 ans : santé mentale, addictions",
            "santé mentale, écoute",
            "fr",
            [("Julie", "Fontaine", "Psychologue")],
        ),
        (
            "Résidence jeunes travailleurs Pleyel",
            "housing",
            "Saint-Denis",
            "Logement temporaire meublé pour les 18-30 ans en emploi ou en formation",
            "logement, FJT",
            "fr",
            [("Samir", "Haddad", "Responsable d'accueil")],
        ),
        (
            "Action Logement Services",
            "housing",
            "Saint-Denis",
            "Aides au logement des salariés et des alternants : Visale, aide mobili-jeune",
            "logement, alternance, aides",
            "fr",
            [("Céline", "Robert", "Conseillère")],
        ),
        (
            "CCAS de Saint-Denis",
            "other",
            "Saint-Denis",
            "Aides sociales, domiciliation, accès aux droits",
            "droits, aide sociale, domiciliation",
            "fr",
            [("Pascal", "Girard", "Travailleur social")],
        ),
        (
            "Groupement d'employeurs logistique Nord-Est",
            "employer",
            "Gonesse",
            "Recrutements en logistique et transport, préparation aux métiers",
            "recrutement, logistique",
            "fr",
            [("Virginie", "Leroy", "Chargée de recrutement")],
        ),
        (
            "Auto-école sociale de la Plaine",
            "other",
            "Saint-Denis",
            "Permis B à tarif solidaire, code de la route adapté",
            "mobilité, permis",
            "fr",
            [("Yacine", "Amrani", "Moniteur")],
        ),
    ],
    "bruxelles-anderlecht": [
        (
            "Actiris Anderlecht",
            "employment_service",
            "Anderlecht",
            "Inscription, Garantie pour la jeunesse, offres d'emploi, stages First",
            "emploi, garantie jeunesse, stage",
            "fr",
            [
                ("Marie", "Claes", "Conseillère emploi"),
                ("Youssef", "El Idrissi", "Conseiller jeunes"),
            ],
        ),
        (
            "VDAB Brussel",
            "employment_service",
            "Brussel",
            "Nederlandstalige begeleiding naar werk en opleiding",
            "werk, opleiding, Nederlands",
            "nl",
            [("Pieter", "De Smet", "Trajectbegeleider")],
        ),
        (
            "Bruxelles Formation",
            "training",
            "Bruxelles",
            "Formations qualifiantes, tests d'orientation, formation en alternance",
            "formation, orientation",
            "fr",
            [("Aurélie", "Dumont", "Conseillère formation")],
        ),
        (
            "Syntra Brussel",
            "training",
            "Brussel",
            "Ondernemersopleidingen en duaal leren",
            "opleiding, duaal leren, ondernemen",
            "nl",
            [("Lotte", "Peeters", "Opleidingsadviseur")],
        ),
        (
            "Interface3",
            "training",
            "Bruxelles",
            "Formations aux métiers du numérique pour les femmes",
            "formation, numérique, femmes",
            "fr",
            [("Nadia", "Lemaire", "Coordinatrice pédagogique")],
        ),
        (
            "Tracé Brussel",
            "job_coaching",
            "Brussel",
            "Begeleiding van jongeren naar werk, jobcoaching",
            "jobcoaching, jongeren",
            "nl",
            [("Jonas", "Vermeulen", "Jobcoach")],
        ),
        (
            "CPAS d'Anderlecht",
            "other",
            "Anderlecht",
            "Revenu d'intégration, aide sociale, article 60",
            "droits, aide sociale, article 60",
            "fr",
            [("Sarah", "Willems", "Assistante sociale")],
        ),
        (
            "Infor Jeunes Bruxelles",
            "youth",
            "Bruxelles",
            "Information jeunesse : droits, études, logement, jobs étudiants",
            "jeunesse, droits, information",
            "fr",
            [("Mehdi", "Benali", "Informateur jeunesse")],
        ),
        (
            "JES Brussel",
            "youth",
            "Brussel",
            "Jeugdwerk, vorming en tewerkstelling voor jongeren",
            "jeugdwerk, vorming",
            "nl",
            [("Eva", "Janssens", "Jeugdwerker")],
        ),
        (
            "Maison médicale du Peterbos",
            "health",
            "Anderlecht",
            "Médecine générale au forfait, kinésithérapie, santé mentale",
            "santé, médecine générale",
            "fr",
            [("Dr Thomas", "Leclercq", "Médecin généraliste")],
        ),
        (
            "Agence immobilière sociale d'Anderlecht",
            "housing",
            "Anderlecht",
            "Logements à loyer modéré, accompagnement des locataires",
            "logement, loyer modéré",
            "fr",
            [("Kevin", "Lambert", "Gestionnaire locatif")],
        ),
        (
            "Les Ateliers du Midi",
            "social_economy",
            "Anderlecht",
            "Atelier de formation par le travail : horeca, rénovation, vente",
            "AFT, horeca, rénovation",
            "fr",
            [("Fatima", "Ouali", "Formatrice")],
        ),
        (
            "Horeca Forma",
            "training",
            "Bruxelles",
            "Formations courtes aux métiers de la salle et de la cuisine",
            "formation, horeca",
            "fr",
            [("Julien", "Mertens", "Responsable formations")],
        ),
        (
            "Hôpital Erasme, service recrutement",
            "employer",
            "Anderlecht",
            "Recrutements : logistique hospitalière, nettoyage, accueil",
            "recrutement, hôpital",
            "fr",
            [("Caroline", "Dupont", "Chargée de recrutement")],
        ),
        (
            "Pro Velo",
            "other",
            "Bruxelles",
            "Apprendre à rouler à vélo en ville, vélos à prix réduit",
            "mobilité, vélo",
            "fr",
            [("Bram", "Maes", "Moniteur vélo")],
        ),
    ],
}

# One past meeting at each site, who is invited (by the partner's position in PARTNERS) and
# who came; its agenda, minutes and decisions.
MEETINGS = {
    "saint-denis": {
        "title": "Réunion des partenaires emploi-formation",
        "zone": "Plaine Commune",
        "days_ago": 18,
        "times": (dt.time(9, 30), dt.time(12)),
        "place": "Salle du conseil, Mission locale de Saint-Denis",
        "themes": [
            ("training_offer", "L'AFPA présente ses formations logistique du printemps"),
            ("hiring_plan", "Plan de recrutement du groupement d'employeurs logistique"),
            ("local_event", "Forum de l'alternance de mars"),
        ],
        "invited": [0, 2, 3, 4, 5, 13],
        "present": [0, 2, 4, 5, 13],
        "minutes": (
            "Présents : France Travail, AFPA, École de la deuxième chance, Maison de l'emploi, "
            "groupement d'employeurs logistique.\n"
            "1. L'AFPA ouvre 12 places en préparation aux métiers de la logistique en avril.\n"
            "2. Le groupement recrute 20 préparateurs de commandes d'ici juin ; il accepte des "
            "jeunes sans expérience après une préparation de deux semaines.\n"
            "3. Le forum de l'alternance aura lieu le 18 mars à la Bourse du travail."
        ),
        "decisions": [
            "Organiser un job dating logistique avec le groupement d'employeurs",
            "Monter une séance d'information sur les formations AFPA pour les jeunes du lab",
            "Tenir un stand commun au forum de l'alternance",
        ],
    },
    "bruxelles-anderlecht": {
        "title": "Concertation locale emploi jeunes Anderlecht",
        "zone": "Bruxelles-Sud",
        "days_ago": 11,
        "times": (dt.time(14), dt.time(16)),
        "place": "Maison communale d'Anderlecht, salle 2",
        "themes": [
            ("decree", "Nouvelle règle de la Garantie pour la jeunesse"),
            ("training_offer", "Bruxelles Formation : modules numériques courts"),
        ],
        "invited": [0, 1, 2, 5, 6, 11],
        "present": [0, 2, 5, 6],
        "minutes": (
            "Présents : Actiris, Bruxelles Formation, Tracé Brussel, CPAS d'Anderlecht.\n"
            "1. Actiris présente le nouveau parcours de la Garantie pour la jeunesse.\n"
            "2. Bruxelles Formation propose des modules numériques de deux semaines.\n"
            "3. Le CPAS demande une séance d'information commune pour les jeunes sous article 60."
        ),
        "decisions": [
            "Atelier commun « premiers pas numériques » avec Bruxelles Formation",
            "Séance d'information Garantie pour la jeunesse au lab",
        ],
    },
}

# Referrals at each site: (need, where it stands, outcome, share contact).
REFERRALS = [
    ("training", "outcome_known", "found_training", True),
    ("job", "taken_up", None, True),
    ("housing", "not_taken_up", None, False),
    ("health", "sent", None, False),
    ("rights", "outcome_known", "rights_opened", True),
    ("mobility", "taken_up", None, True),
    ("job", "outcome_known", "found_job", True),
    ("training", "sent", None, True),
    ("job", "outcome_known", "none", False),
]
