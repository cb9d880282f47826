"""Use cases: one function per thing a person does, taking plain values and ``Services``.

Each does the storage and outbox work in one place and returns what happened; handlers
turn updates into calls and results into replies.
"""
