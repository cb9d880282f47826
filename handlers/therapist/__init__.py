"""Therapist commands: roster, attendance, (later) materials and reports."""
