"""Bookings of the lab's scarce equipment: tablets, studio, rooms, the big screen; loans."""
