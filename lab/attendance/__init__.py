"""Attendance: check-in by QR, scan journal, sign-in sheets and certificates."""
