"""Try the tutor without Telegram: a local Bot API server and a chat page in the browser.

``playground.botapi`` is the Bot API server (also the test suite's stand-in); the
playground runs the unchanged bot against it and serves a Telegram-like chat page.
"""
