"""Kiosk mode on shared lab tablets: devices are principals, paired with a one-time code."""
