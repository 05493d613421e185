"""Telegram glue for the learning-rate tutor: handlers, keyboards, jobs, and the entry point."""
