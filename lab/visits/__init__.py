"""Drop-in visits: who is in the lab now, why, and for how long."""
