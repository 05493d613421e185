"""The pure core: scheduling (FSRS), memory models, the deck schema, grading and lints.

Nothing here reads the store or the network: functions take values and return values.
"""
