"""The tutor's domain: content, scheduling, grading, sessions, reminders, store and demos.

Nothing here imports ``telegram``: the bot package renders what these functions return.
"""
