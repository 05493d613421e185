"""The use-cases, one module per feature: each takes a unit of work from the store and
returns what the bot renders."""
