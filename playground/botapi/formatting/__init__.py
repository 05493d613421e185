"""Text formatting as Telegram does it: parse modes to plain text plus entities.

``format_text`` is the entry point (``modes``). The HTML parser (``html``) follows
tdlib's ``parse_html`` closely (same tags, same entity decoding, same error texts with
UTF-8 byte offsets). MarkdownV2 and legacy Markdown (``markdown``) cover the common
constructs with tdlib's error texts. Offsets and lengths of entities are in UTF-16 code
units, as in the Bot API (``text``).
"""

from .html import parse_html
from .markdown import parse_markdown, parse_markdown_v2
from .modes import command_entities, format_text
from .text import EntityParseError, FormattedText, strip_tags_preview, utf16_len

__all__ = [
    "EntityParseError",
    "FormattedText",
    "command_entities",
    "format_text",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "strip_tags_preview",
    "utf16_len",
]
