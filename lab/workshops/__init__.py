"""Collective modules: workshops, sessions, partners, enrolment with waitlists."""
