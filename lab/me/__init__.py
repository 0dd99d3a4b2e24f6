"""The visitor's own space on their phone (/me): pass + PIN sign-in, upcoming sessions and
bookings, calendar files, cancelling, the pass itself, and a copy of their data."""
