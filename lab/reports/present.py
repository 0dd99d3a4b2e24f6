"""Figures into tables, in the reader's language, with small cells withheld when they must be.

The same tables feed the page (with their charts), the CSV, the XLSX and the PDF, so what a
manager reads on screen is what the funder's file says. ``k`` is the smallest count that may be
shown; ``k == 1`` shows everything (a reader allowed to see the rows behind the figures).

Which cells are protected together: in each table, the counts of one column and their total (a
list), and for the ESF+ indicators each indicator's genders and its total (a grid with row
totals). A rate or a duration computed from a hidden count is hidden too (secondary), since it
would give the count back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence

from lab.accounts.queries import WEEKDAY_LABELS, WEEKDAYS
from lab.bookings.queries import RESOURCE_KINDS
from lab.core.i18n import N_, _, current_language
from lab.reports import bands, esf
from lab.reports.collective import OUTCOMES, SESSION_TYPES
from lab.reports.figures import Dashboard, EsfFigures, RegistrantRow, SkillFigures
from lab.reports.model import PRIMARY, SECONDARY, Column, Mark, Table, Value
from lab.reports.suppression import protect_figure, protect_grid, protect_list
from lab.workshops.services import KINDS as MODULE_KINDS

# Resources whose weekday × hour occupancy is drawn, the most booked first (the others are in
# the resources table).
HEATMAPS = 3
# The hours a heatmap shows (the lab's day); bookings outside them are rare and still counted.
HOURS = range(8, 21)


def markers(k: int) -> dict[Mark, str]:
    """How a withheld cell reads in a file or a table."""
    return {PRIMARY: f"< {k}", SECONDARY: _("masqué")}


def legend(k: int) -> str:
    return _(
        "« < %(k)s » : moins de %(k)s personnes ou événements, masqué pour protéger les "
        "personnes. « masqué » : case cachée pour qu'on ne puisse pas retrouver une autre par "
        "soustraction.",
        k=k,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Headline:
    key: str  # the figure's name: its rows page, its place on the previous period's page
    label: str
    value: Value  # None: withheld
    kind: str = "count"
    mark: Mark | None = None
    rows: str | None = None  # the kind of rows behind it (see lab.reports.rows), if any


def _label(labels: dict[str, str], code: str) -> str:
    """A code's label in the reader's language (the code itself if it has none)."""
    return _(labels[code]) if code in labels else code


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def headlines(d: Dashboard, k: int) -> list[Headline]:
    """The dashboard's headline figures; with ``k > 1`` each count from 1 to k-1 is withheld,
    and each rate or duration that would give it back."""
    a, s = d.attendance, d.sessions
    counts: list[tuple[str, str, int, str | None]] = [
        ("sessions_held", _("Séances tenues"), s.held, "sessions"),
        ("sessions_cancelled", _("Séances annulées"), s.cancelled, "sessions"),
        ("attendances", _("Présences"), a.attendances, "attendances"),
        ("walk_ins", _("Dont venues sans inscription"), a.walk_ins, "attendances"),
        ("participants", _("Participants différents"), a.participants, "participants"),
        ("waitlist_demand", _("Demandes en liste d'attente"), d.waitlist.demand, None),
        (
            "waitlist_converted",
            _("Places obtenues depuis la liste d'attente"),
            d.waitlist.converted,
            None,
        ),
        ("new_visitors", _("Nouvelles personnes"), d.visitors.new, None),
        ("returning_visitors", _("Personnes déjà venues"), d.visitors.returning, None),
        ("kiosk_signups", _("Premières inscriptions sur la borne"), d.visitors.kiosk_signups, None),
    ]
    if d.lab_use:
        counts += [
            ("visits", _("Passages au lab"), d.visits.visits, "visits"),
            ("anonymous_visits", _("Dont passages anonymes"), d.visits.anonymous, "visits"),
            ("loans_lent", _("Prêts de matériel"), d.loans.lent, "loans"),
            ("loans_out", _("Prêts en cours"), d.loans.out, "loans"),
            ("loans_overdue", _("Prêts en retard"), d.loans.overdue, "loans"),
        ]
    shown: dict[str, tuple[int | None, Mark | None]] = {
        key: protect_figure(value, k) for key, _label, value, _rows in counts
    }
    result = [
        Headline(key, label, shown[key][0], "count", shown[key][1], rows)
        for key, label, value, rows in counts
    ]

    def derived(key, label, value, kind, *needs: str) -> Headline:
        hidden = any(shown[need][0] is None for need in needs)
        if hidden:
            return Headline(key, label, None, kind, SECONDARY)
        return Headline(key, label, value, kind)

    result += [
        derived("hours", _("Heures de présence"), a.hours, "hours", "attendances"),
        derived(
            "fill_rate",
            _("Taux de remplissage"),
            _ratio(a.attendances, s.seats),
            "percent",
            "attendances",
        ),
        derived(
            "no_show_rate",
            _("Taux d'absence non excusée"),
            _ratio(a.absent, a.expected),
            "percent",
            "attendances",
        ),
        derived(
            "late_rate",
            _("Taux de retard"),
            _ratio(a.late, a.attendances),
            "percent",
            "attendances",
        ),
    ]
    if k > 1:
        # A rate of absences or lateness gives the small count back: shown only when those
        # counts could be (k or more).
        for index, item in enumerate(result):
            small = {"no_show_rate": a.absent, "late_rate": a.late}.get(item.key)
            if small is not None and 0 < small < k:
                result[index] = dataclasses.replace(item, value=None, mark=SECONDARY)
    if d.lab_use:
        result.append(
            derived(
                "visit_hours",
                _("Heures de passage au lab"),
                round(d.visits.minutes / 60, 2),
                "hours",
                "visits",
            )
        )
    return result


def _list_table(
    key: str,
    title: str,
    description: str,
    label: Column,
    labels: Sequence[str],
    columns: Sequence[tuple[Column, Sequence[int]]],
    k: int,
    *,
    total: str | None,
    derived: Sequence[tuple[Column, Callable[[int], Value], int]] = (),
) -> Table:
    """A table of labelled lines with count columns (each protected with its total) and
    derived columns (each hidden where the count column it comes from is hidden)."""
    protected = [
        protect_list(list(values), k, total=total is not None)
        if values
        else protect_list([0], 1, total=False)  # no line: the total alone, nothing to hide
        for _c, values in columns
    ]
    lines = [*labels, total] if total is not None else list(labels)
    rows: list[list[Value]] = []
    marks: dict[tuple[int, int], Mark] = {}
    for row_index, line_label in enumerate(lines):
        row: list[Value] = [line_label]
        for column_index, result in enumerate(protected, start=1):
            row.append(result.values[row_index][0])
            mark = result.marks.get((row_index, 0))
            if mark:
                marks[(row_index, column_index)] = mark
        for _column, compute, source in derived:
            position = len(row)
            if row[source] is None:
                row.append(None)
                marks[(row_index, position)] = SECONDARY
            else:
                row.append(compute(row_index))
        rows.append(row)
    return Table(
        key=key,
        title=title,
        description=description,
        columns=(label, *(column for column, _v in columns), *(c for c, _f, _s in derived)),
        rows=tuple(tuple(row) for row in rows),
        marks=marks,
        has_total=total is not None,
    )


def _period_text(d: Dashboard | EsfFigures) -> str:
    return _("du %(first)s au %(last)s", first=d.first_day, last=d.last_day)


def dashboard_tables(d: Dashboard, k: int) -> list[Table]:
    """Every table of the dashboard, in reading order."""
    tables = [_headline_table(d, k), _site_table(d, k), _kind_table(d, k)]
    tables += profile_tables(d, k)
    tables.append(_trend_table(d, k))
    if d.waitlist.modules:
        tables.append(_waitlist_table(d, k))
    if d.lab_use:
        tables.append(_purpose_table(d, k))
        tables.append(_presence_table(d))
        tables.append(_resource_table(d, k))
        busiest = sorted(range(len(d.resources)), key=lambda i: -d.resources[i].minutes)
        tables += [heatmap_table(d, i) for i in busiest[:HEATMAPS] if d.resources[i].minutes]
    tables += skill_tables(d, k)
    return tables


def _skills_note(s: SkillFigures) -> str:
    if s.linked_only:
        return _(
            "Atelier filtré : seules les preuves liées à une séance ou à un module de ce "
            "filtre comptent ; les auto-évaluations faites hors atelier sont laissées de côté."
        )
    return ""


def skill_tables(d: Dashboard, k: int) -> list[Table]:
    """Digital skills: evidence by source, validations and badges; validations per DigComp
    area; evidence and validations per module."""
    s = d.skills
    if s is None:  # a month closed before skills were counted: its snapshot has none
        return []
    period = _period_text(d)
    evidence = _list_table(
        "skills_evidence",
        _("Compétences numériques : preuves par source"),
        _("Les preuves de compétences enregistrées %(period)s, par source.", period=period),
        Column("source", _("Source"), "text"),
        [_("Auto-évaluations"), _("Observations des animateurs"), _("Modules terminés")],
        [(Column("evidence", _("Preuves")), [s.self_assessed, s.observed, s.completed])],
        k,
        total=_("Total"),
    )
    evidence = dataclasses.replace(evidence, note=_skills_note(s))
    # Independent figures, none the sum of others: each is protected on its own.
    figures = [
        (_("Personnes avec au moins une preuve"), s.people),
        (_("Compétences validées (« je sais faire seul »)"), s.validations),
        (_("Personnes avec au moins une compétence validée"), s.validated_people),
        (_("Badges délivrés"), s.badges_issued),
        (_("Badges révoqués"), s.badges_revoked),
    ]
    rows, marks = [], {}
    for index, (label, value) in enumerate(figures):
        shown, mark = protect_figure(value, k)
        rows.append((label, shown))
        if mark:
            marks[(index, 1)] = mark
    summary = Table(
        key="skills",
        title=_("Compétences numériques"),
        description=_(
            "Personnes évaluées, compétences validées et badges de la période, %(period)s.",
            period=period,
        ),
        columns=(Column("figure", _("Indicateur"), "text"), Column("value", _("Valeur"))),
        rows=tuple(rows),
        marks=marks,
        note=_(
            "Une compétence est validée quand un animateur l'a observée, ou qu'un module "
            "terminé la montre, au niveau « je sais faire seul » ; une personne et une "
            "compétence comptent une fois."
        ),
    )
    language = current_language()
    areas = _list_table(
        "skills_areas",
        _("Compétences validées par domaine DigComp"),
        _(
            "Les compétences validées %(period)s, par domaine du cadre européen DigComp ; "
            "une compétence liée à deux domaines compte dans chacun.",
            period=period,
        ),
        Column("area", _("Domaine"), "text"),
        [f"{item.code}. {item.labels.get(language) or item.labels['fr']}" for item in s.areas],
        [(Column("validations", _("Compétences validées")), [a.validations for a in s.areas])],
        k,
        total=None,
    )
    tables = [summary, evidence, areas]
    if s.modules:
        modules = s.modules
        tables.append(
            _list_table(
                "skills_modules",
                _("Compétences numériques par atelier"),
                _(
                    "Les preuves enregistrées aux séances de chaque atelier ou à sa fin, et "
                    "les compétences validées, %(period)s.",
                    period=period,
                ),
                Column("module", _("Atelier"), "text"),
                [item.title for item in modules],
                [
                    (Column("evidence", _("Preuves")), [item.evidence for item in modules]),
                    (
                        Column("validations", _("Compétences validées")),
                        [item.validations for item in modules],
                    ),
                ],
                k,
                total=None,
            )
        )
    return tables


def _headline_table(d: Dashboard, k: int) -> Table:
    items = headlines(d, k)
    marks = {(index, 1): item.mark for index, item in enumerate(items) if item.mark}
    return Table(
        key="figures",
        title=_("Chiffres clés"),
        description=_("Les chiffres clés de la période, %(period)s.", period=_period_text(d)),
        columns=(Column("figure", _("Indicateur"), "text"), Column("value", _("Valeur"), "number")),
        rows=tuple((item.label, item.value) for item in items),
        marks=marks,
    )


def _site_table(d: Dashboard, k: int) -> Table:
    """Per site, with a total line; participants are counted once in the total, however many
    sites a person went to, so that column's total is not the sum of its lines."""
    sites = d.sites
    base = _list_table(
        "sites",
        _("Par site"),
        _("Séances, présences et passages de chaque site, et leur total."),
        Column("site", _("Site"), "text"),
        [site.name for site in sites],
        [
            (Column("sessions", _("Séances tenues")), [site.sessions for site in sites]),
            (Column("attendances", _("Présences")), [site.attendances for site in sites]),
            (Column("visits", _("Passages au lab")), [site.visits for site in sites]),
        ],
        k,
        total=_("Total"),
    )
    people = protect_list([site.participants for site in sites], k, total=False)
    overall, overall_mark = protect_figure(d.attendance.participants, k)
    rows = [list(row) for row in base.rows]
    marks = dict(base.marks)
    for index, row in enumerate(rows):
        if index < len(sites):
            row.append(people.values[index][0])
            mark = people.marks.get((index, 0))
        else:
            row.append(overall)
            mark = overall_mark
        if mark:
            marks[(index, len(row) - 1)] = mark
    return dataclasses.replace(
        base,
        columns=(
            *base.columns,
            Column("participants", _("Participants différents"), summed=False),
        ),
        rows=tuple(tuple(row) for row in rows),
        marks=marks,
        note=_("Une personne venue dans plusieurs sites compte une fois dans le total."),
    )


def _kind_table(d: Dashboard, k: int) -> Table:
    kinds = d.kinds
    return _list_table(
        "kinds",
        _("Par type d'atelier"),
        _("Séances tenues, présences et heures de présence par type d'atelier."),
        Column("kind", _("Type d'atelier"), "text"),
        [_label(MODULE_KINDS, item.kind) for item in kinds],
        [
            (Column("sessions", _("Séances tenues")), [item.sessions for item in kinds]),
            (Column("attendances", _("Présences")), [item.attendances for item in kinds]),
        ],
        k,
        total=_("Total"),
        derived=[
            (
                Column("hours", _("Heures de présence"), "hours"),
                lambda i: ([*(item.hours for item in kinds), d.attendance.hours])[i],
                2,
            )
        ],
    )


PROFILE_TITLES = {
    "age_band": (
        N_("Âge"),
        N_("Les participants par tranche d'âge, le jour de leur première présence."),
    ),
    "funder_age_band": (
        N_("Âge (tranches des financeurs)"),
        N_("Les participants dans les tranches d'âge du FSE+."),
    ),
    "gender": (N_("Genre"), N_("Les participants par genre déclaré.")),
    "status": (N_("Situation"), N_("Les participants par situation déclarée.")),
    "education": (N_("Niveau de diplôme"), N_("Les participants par niveau de diplôme (CITE).")),
    "priority_area": (
        N_("Quartier prioritaire"),
        N_("Les participants qui habitent un quartier prioritaire."),
    ),
    "postcode_area": (
        N_("Zone de code postal"),
        N_("Les participants par zone de code postal (deux premiers chiffres)."),
    ),
}


def profile_tables(d: Dashboard, k: int) -> list[Table]:
    tables = []
    for dimension, counts in d.profile.items():
        title, description = PROFILE_TITLES[dimension]
        codes = list(counts)
        labels = [_(bands.LABELS[code]) if code in bands.LABELS else code for code in codes]
        tables.append(
            _list_table(
                f"profile_{dimension}",
                _("Profil : %(dimension)s", dimension=_(title)),
                _(description),
                Column("category", _(title), "text"),
                labels,
                [(Column("people", _("Participants")), [counts[code] for code in codes])],
                k,
                total=_("Total"),
            )
        )
    return tables


def _trend_table(d: Dashboard, k: int) -> Table:
    unit = {"day": _("Jour"), "week": _("Semaine du"), "month": _("Mois")}[d.trend.unit]
    return _list_table(
        "trend",
        _("Évolution"),
        _("Présences aux ateliers et passages au lab au fil de la période."),
        Column("start", unit, "date"),
        [dt.date.fromisoformat(start) for start in d.trend.starts],
        [
            (Column("attendances", _("Présences")), list(d.trend.attendances)),
            (Column("visits", _("Passages au lab")), list(d.trend.visits)),
        ],
        k,
        total=None,
    )


def _waitlist_table(d: Dashboard, k: int) -> Table:
    modules = d.waitlist.modules
    return _list_table(
        "waitlist",
        _("Listes d'attente par atelier"),
        _("Les places demandées en liste d'attente et celles obtenues, atelier par atelier."),
        Column("module", _("Atelier"), "text"),
        [item.title for item in modules],
        [
            (Column("demand", _("Demandes")), [item.demand for item in modules]),
            (Column("converted", _("Places obtenues")), [item.converted for item in modules]),
        ],
        k,
        total=_("Total"),
    )


def _purpose_table(d: Dashboard, k: int) -> Table:
    purposes = d.visits.purposes
    language = current_language()
    visits = [item.visits for item in purposes]
    minutes = [*(item.minutes for item in purposes), d.visits.minutes]
    counts = [*visits, d.visits.visits]
    return _list_table(
        "visits_by_purpose",
        _("Passages au lab par motif"),
        _("Les passages au lab, nommés ou anonymes, selon la raison de la venue."),
        Column("purpose", _("Motif"), "text"),
        [item.labels.get(language) or item.labels["fr"] for item in purposes],
        [
            (Column("visits", _("Passages")), visits),
            (Column("anonymous", _("Dont anonymes")), [item.anonymous for item in purposes]),
        ],
        k,
        total=_("Total"),
        derived=[
            (Column("hours", _("Heures"), "hours"), lambda i: round(minutes[i] / 60, 2), 1),
            (
                Column("average", _("Durée moyenne (min)"), "number"),
                lambda i: round(minutes[i] / counts[i], 1) if counts[i] else 0,
                1,
            ),
        ],
    )


def _presence_table(d: Dashboard) -> Table:
    """Averages over open days, not counts of people: nothing here is small-cell protected."""
    hours = [hour for hour in range(24) if hour in HOURS or d.visits.by_hour[hour]]
    return Table(
        key="presence_by_hour",
        title=_("Personnes au lab selon l'heure"),
        description=_(
            "Combien de personnes sont au lab à chaque heure, en moyenne par jour d'ouverture."
        ),
        columns=(
            Column("hour", _("Heure"), "text"),
            Column("people", _("Personnes en moyenne"), "number"),
        ),
        rows=tuple((f"{hour:02d}:00", d.visits.by_hour[hour]) for hour in hours),
    )


def _resource_table(d: Dashboard, k: int) -> Table:
    resources = d.resources
    minutes = [item.minutes for item in resources]
    return _list_table(
        "resources",
        _("Utilisation du matériel et des salles"),
        _("Réservations faites, utilisées et manquées, et heures réservées, par ressource."),
        Column("resource", _("Ressource"), "text"),
        [f"{item.name} ({_label(RESOURCE_KINDS, item.kind)})" for item in resources],
        [
            (Column("bookings", _("Réservations")), [item.bookings for item in resources]),
            (Column("used", _("Utilisées")), [item.used for item in resources]),
            (Column("missed", _("Manquées")), [item.missed for item in resources]),
        ],
        k,
        total=_("Total"),
        derived=[
            (
                Column("hours", _("Heures réservées"), "hours"),
                lambda i: round(([*minutes, sum(minutes)])[i] / 60, 2),
                1,
            )
        ],
    )


def heatmap_table(d: Dashboard, resource_index: int) -> Table:
    """One resource's occupancy, weekday × hour (shares of its capacity: no counts of people)."""
    item = d.resources[resource_index]
    hours = list(HOURS)
    return Table(
        key=f"heatmap_{item.resource_id}",
        title=_("Occupation : %(name)s", name=item.name),
        description=_("Part de la ressource réservée, par jour de la semaine et par heure."),
        columns=(
            Column("weekday", _("Jour"), "text"),
            *(Column(f"h{hour}", f"{hour}h", "percent") for hour in hours),
        ),
        rows=tuple(
            (_(WEEKDAY_LABELS[WEEKDAYS[day]]), *(item.heatmap[day][hour] for hour in hours))
            for day in range(7)
        ),
    )


def esf_table(figures: EsfFigures, k: int) -> Table:
    genders = list(bands.GENDERS)
    cells = [[figures.indicators[code][gender] for gender in genders] for code in esf.INDICATORS]
    protected = protect_grid(cells, k, row_totals=True, column_totals=False)
    rows = []
    marks: dict[tuple[int, int], Mark] = {}
    for index, code in enumerate(esf.INDICATORS):
        rows.append((_(esf.LABELS[code]), *protected.values[index]))
        for (row, column), mark in protected.marks.items():
            if row == index:
                marks[(index, column + 1)] = mark
    return Table(
        key="esf_participants",
        title=_("FSE+ : indicateurs communs de réalisation (participants)"),
        description=_(
            "Chaque personne comptée une fois, à sa première entrée dans l'opération, %(period)s.",
            period=_period_text(figures),
        ),
        columns=(
            Column("indicator", _("Indicateur"), "text"),
            *(Column(gender, _(bands.LABELS[gender])) for gender in genders),
            Column("total", _("Total")),
        ),
        rows=tuple(rows),
        marks=marks,
        note=_(
            "Non enregistrés par lab : %(list)s.", list="; ".join(_(t) for t in esf.NOT_RECORDED)
        ),
    )


def collective_table(rows: Sequence[RegistrantRow]) -> Table:
    return Table(
        key="collective_sessions",
        title=_("Séances collectives et inscrits"),
        description=_("Une ligne par séance et par personne inscrite, avec sa suite."),
        columns=(
            Column("session_id", _("Séance (n°)"), "count"),
            Column("day", _("Date"), "text"),
            Column("starts", _("Début"), "text"),
            Column("ends", _("Fin"), "text"),
            Column("site", _("Site"), "text"),
            Column("module", _("Atelier"), "text"),
            Column("session_type", _("Type de séance"), "text"),
            Column("external_ref", _("Identifiant du dossier"), "text"),
            Column("last_name", _("Nom"), "text"),
            Column("first_name", _("Prénom"), "text"),
            Column("birth_date", _("Date de naissance"), "text"),
            Column("outcome", _("Suite"), "text"),
        ),
        rows=tuple(
            (
                row.session_id,
                row.day,
                row.starts,
                row.ends,
                row.site,
                row.module,
                _(SESSION_TYPES[row.session_type]),
                row.external_ref,
                row.last_name,
                row.first_name,
                row.birth_date,
                _(OUTCOMES[row.outcome]),
            )
            for row in rows
        ),
    )
