"""Math in cards made readable as plain text: what Anki draws from LaTeX (``[latex]...``,
``[$]...[/$]``, ``[$$]...[/$$]``) or MathJax (``\\(...\\)``, ``\\[...\\]``) becomes text a chat
can show, never the raw source: ``[$]y=ab^{x}+c[/$]`` reads ``y=ab^x+c``, and
``\\(\\frac{\\eta}{1-\\mu}\\)`` reads ``(η)/(1-μ)``.

Each delimiter pair is found with ``str.find`` (an opener without its closer ends the
search), and the rewriting is a few passes of patterns that never backtrack, so time grows
with the text's length.
"""

from __future__ import annotations

import re

# Openers and their closers, Anki's LaTeX before MathJax.
_DELIMITERS = (
    ("[latex]", "[/latex]"),
    ("[$$]", "[/$$]"),
    ("[$]", "[/$]"),
    ("\\(", "\\)"),
    ("\\[", "\\]"),
)
_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ",
    "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ",
    "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "cdot": "·", "times": "×", "div": "÷", "pm": "±", "mp": "∓", "le": "≤", "leq": "≤",
    "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈", "sim": "~", "equiv": "≡",
    "infty": "∞", "sum": "∑", "prod": "∏", "int": "∫", "partial": "∂", "nabla": "∇",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "Leftarrow": "⇐",
    "leftrightarrow": "↔", "iff": "⇔", "in": "∈", "notin": "∉", "subset": "⊂",
    "subseteq": "⊆", "cup": "∪", "cap": "∩", "forall": "∀", "exists": "∃", "neg": "¬",
    "land": "∧", "lor": "∨", "ldots": "…", "dots": "…", "cdots": "⋯", "circ": "∘",
    "log": "log", "ln": "ln", "exp": "exp", "sin": "sin", "cos": "cos", "tan": "tan",
    "max": "max", "min": "min", "lim": "lim", "quad": " ", "qquad": " ",
}  # fmt: skip
# Commands that only style their argument: \text{...} reads as its argument.
_STYLES = r"text|mathrm|mathbf|mathit|mathsf|mathtt|mathcal|boldsymbol|operatorname|textbf|emph"
_STYLED = re.compile(r"\\(?:" + _STYLES + r")\s*\{([^{}]*)\}")
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_SQRT = re.compile(r"\\sqrt\s*\{([^{}]*)\}")
_SCRIPT = re.compile(r"([\^_])\{([^{}]*)\}")
_SIZING = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)(?![A-Za-z])\s*")
_SPACING = re.compile(r"\\[,;:! ]")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_ESCAPED = re.compile(r"\\([{}%$&#_])")
_DOLLAR = re.compile(r"(?<!\\)\$")
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\s*\{[^{}]*\}")
_BREAK = re.compile(r"\s*\\\\\s*")
_ALIGN = re.compile(r"(?<!\\)&")
_BLACKBOARD = re.compile(r"\\mathbb\s*\{([A-Za-z])\}")
_SETS = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ"}


def _group(text: str) -> str:
    """A script or argument: one character as it is, more in brackets."""
    return text if len(text) <= 1 else f"({text})"


def _formula(source: str) -> str:
    """One formula's source as text."""
    text = _ENVIRONMENT.sub("", source)
    text = _BREAK.sub("; ", text)  # a line of an aligned block
    text = _ALIGN.sub("", text)
    text = _BLACKBOARD.sub(lambda m: _SETS.get(m[1], m[1]), text)
    text = _STYLED.sub(r"\1", text)
    text = _SIZING.sub("", text)
    text = _SPACING.sub(" ", text)
    text = _COMMAND.sub(lambda m: _SYMBOLS.get(m[1], m[0]), text)  # \eta is one letter
    for _ in range(3):  # nested fractions and roots, innermost first
        text = _FRAC.sub(lambda m: f"{_group(m[1])}/{_group(m[2])}", text)
        text = _SQRT.sub(lambda m: f"√{_group(m[1])}", text)
        text = _SCRIPT.sub(lambda m: m[1] + _group(m[2]), text)
    text = _COMMAND.sub(lambda m: _SYMBOLS.get(m[1], m[1]), text)
    text = _DOLLAR.sub("", text)  # math shifts inside a [latex] block
    text = _ESCAPED.sub(r"\1", text)
    return " ".join(text.replace("{", "").replace("}", "").split())


def math_to_text(text: str) -> str:
    """``text`` with each delimited formula written as readable text."""
    if "[" not in text and "\\" not in text:
        return text
    for opener, closer in _DELIMITERS:
        if opener not in text:
            continue
        parts: list[str] = []
        at = 0
        while (start := text.find(opener, at)) >= 0:
            end = text.find(closer, start + len(opener))
            if end < 0:
                break  # no closer after this opener, so none after a later one either
            parts += (text[at:start], _formula(text[start + len(opener) : end]))
            at = end + len(closer)
        parts.append(text[at:])
        text = "".join(parts)
    return text
