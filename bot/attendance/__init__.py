"""Attendance: matching reports to sessions, aftercare, policy, risk, reports, export."""
