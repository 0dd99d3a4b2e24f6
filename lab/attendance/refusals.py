"""Why a check-in (or a booking made on the tablet) is refused, in the words of each audience.

One catalogue of refusal codes: the visitor reads the VISITOR wording on a tablet or on their
phone (plain, short, pointing to the front desk); staff read the STAFF wording on the live
roster, the desk and the offline scans page. Values are msgids: translate them where shown, or
call `for_visitor` / `for_staff`.
"""

from __future__ import annotations

from lab.core.i18n import N_, _

STAFF = {
    "unknown_pass": N_("Cette carte n'est pas valable."),
    "session_closed": N_("Cette séance est annulée ou close."),
    "too_early": N_("Le pointage ouvre 30 minutes avant le début de la séance."),
    "session_over": N_("Cette séance est terminée."),
    "not_enrolled": N_("Cette personne n'est pas inscrite à cet atelier."),
    "other_site": N_("Cette personne est suivie par un autre site."),
    # A kiosk scan that named no session or booking open at that time.
    "nothing_now": N_("Pas de séance ni de réservation à pointer à cette heure-là."),
    # An offline kiosk scan that reached the server more than 7 days after it was made.
    "too_old": N_("Ce pointage hors ligne est arrivé trop tard (plus de 7 jours)."),
    # A booking's check-in.
    "not_confirmed": N_("Cette réservation n'est pas confirmée."),
    "outside_window": N_("Ce n'était pas l'heure de pointer cette réservation."),
    "no_booking_now": N_("Pas de réservation à pointer à cette heure-là."),
    # Drop-in visits.
    "site_closed": N_("Le lab est fermé à cette heure-là : pas de visite libre."),
    "no_open_visit": N_("Cette personne n'a pas de visite en cours ici."),
    "visit_open": N_("Cette personne a déjà une visite en cours ici."),
    "unknown_purpose": N_("Ce motif de visite n'existe pas sur ce site."),
}
STAFF_UNKNOWN = N_("Pointage refusé.")

VISITOR = {
    "unknown_pass": N_("Cette carte ne marche pas. Demandez à l'accueil."),
    "session_closed": N_("Cet atelier est fermé ou annulé. Demandez à l'accueil."),
    "not_enrolled": N_("Vous n'êtes pas inscrit·e à cet atelier. Demandez à l'accueil."),
    "other_site": N_("Votre carte est celle d'un autre lab. Demandez à l'accueil."),
    "too_early": N_("C'est trop tôt : on peut pointer 30 minutes avant le début."),
    "session_over": N_("Cet atelier est terminé."),
    "nothing_now": N_("Rien à pointer pour vous maintenant. Demandez à l'accueil."),
    "too_old": N_("Ce pointage est trop ancien. Demandez à l'accueil."),
    "not_confirmed": N_("Votre réservation n'est pas confirmée. Demandez à l'accueil."),
    "outside_window": N_("Ce n'est pas l'heure de votre réservation."),
    "site_closed": N_("Le lab est fermé maintenant. Revenez aux heures d'ouverture."),
    "no_open_visit": N_("Vous n'étiez pas pointé·e ici. Bonne journée !"),
    "visit_open": N_("Vous êtes déjà pointé·e ici."),
    "unknown_purpose": N_("Ce choix n'existe plus. Choisissez à nouveau."),
}
VISITOR_UNKNOWN = N_("Pointage refusé. Demandez à l'accueil.")

# A booking's rule refusals said to the visitor themselves on the tablet; the other codes'
# own messages are plain already (see `plain_for_visitor`): skill_required and skill_lapsed
# name the skill and the workshop that teaches it, which a catalogue wording would lose.
VISITOR_BOOKING = {
    "capacity": N_("Ce créneau vient d'être pris. Choisissez-en un autre."),
    "quota_day_bookings": N_("Vous avez déjà assez de réservations ce jour-là."),
    "quota_week_bookings": N_("Vous avez déjà assez de réservations cette semaine."),
    "quota_day_minutes": N_("Vous avez déjà réservé assez longtemps ce jour-là."),
    "quota_week_minutes": N_("Vous avez déjà réservé assez longtemps cette semaine."),
    "other_site": VISITOR["other_site"],
}


def staff_label(code: str) -> str:
    """The msgid telling staff why a scan was refused (translate it where it is shown)."""
    return STAFF.get(code, STAFF_UNKNOWN)


def for_staff(code: str) -> str:
    return _(staff_label(code))


def for_visitor(code: str) -> str:
    """A check-in refusal as the visitor reads it on the tablet or their phone."""
    return _(VISITOR.get(code, VISITOR_UNKNOWN))


def plain_for_visitor(code: str, message: str) -> str:
    """A booking refusal as the visitor reads it: the catalogue's words, else the rule's own."""
    return _(VISITOR_BOOKING[code]) if code in VISITOR_BOOKING else message
