# ruff: noqa: E501 (the decks' fields are written as their authors typed them, one a line)
"""Twelve decks as people export them from Anki, written through Anki's own library (PyPI
``anki``): note types and templates of Anki's and of their own, cloze, type-in boxes,
furigana, MathJax, code, pictures and sounds (some missing), subdecks, suspended cards,
both package formats. They were written for issue 23 by a writer who had not read the
importer, as a held-out check of it, and stay here as one.

``python -m tests.tutor.imports.anki_written DIR`` writes them to DIR.
"""

from __future__ import annotations

import html
import io
import os
import random
import re
import shutil
import sys
import tempfile

from anki.collection import (
    Collection,
    DeckIdLimit,
    ExportAnkiPackageOptions,
)
from PIL import Image, ImageDraw

OUT = ""  # the folder write_decks writes to
RNG = random.Random(20240517)


# ---------------------------------------------------------------------------
# media helpers
# ---------------------------------------------------------------------------


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def flag_stripes(colors, vertical=True, w=90, h=60) -> bytes:
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    n = len(colors)
    for i, c in enumerate(colors):
        if vertical:
            d.rectangle([i * w // n, 0, (i + 1) * w // n, h], fill=c)
        else:
            d.rectangle([0, i * h // n, w, (i + 1) * h // n], fill=c)
    d.rectangle([0, 0, w - 1, h - 1], outline="#999999")
    return _png(img)


def flag_disc(bg, fg, w=90, h=60, dx=0) -> bytes:
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    cx, cy, r = w // 2 + dx, h // 2, h // 3
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fg)
    d.rectangle([0, 0, w - 1, h - 1], outline="#999999")
    return _png(img)


def diagram(label: str, w=240, h=160, seed=0) -> bytes:
    """A small 'textbook diagram' style picture: outline shape + highlighted part."""
    r = random.Random(seed)
    img = Image.new("RGB", (w, h), "#fdfdf8")
    d = ImageDraw.Draw(img)
    pts = [(r.randint(20, w - 20), r.randint(15, h - 15)) for _ in range(6)]
    d.polygon(pts, outline="#553322", fill="#f2d7c4")
    x, y = r.randint(40, w - 60), r.randint(30, h - 50)
    d.ellipse([x, y, x + 40, y + 24], fill="#d9534f", outline="#7a1f1c")
    d.line([x + 40, y + 12, w - 30, 20], fill="#333333", width=2)
    d.text((w - 28, 12), label, fill="#000000")
    return _png(img)


def ecg_strip(seed=0, w=300, h=80, irregular=False) -> bytes:
    r = random.Random(seed)
    img = Image.new("RGB", (w, h), "#fff5f5")
    d = ImageDraw.Draw(img)
    for gx in range(0, w, 10):
        d.line([gx, 0, gx, h], fill="#f5c6c6")
    for gy in range(0, h, 10):
        d.line([0, gy, w, gy], fill="#f5c6c6")
    x, base, pts = 0, h // 2 + 10, []
    while x < w:
        step = r.randint(30, 70) if irregular else 50
        pts += [(x, base), (x + 5, base), (x + 8, base - 35), (x + 11, base + 10), (x + 14, base)]
        x += step
    d.line(pts, fill="#222222", width=2)
    return _png(img)


def fake_mp3(seed: int, frames: int = 12) -> bytes:
    """ID3v2 header + a few MPEG-1 Layer III frame headers with junk payload.
    Not playable audio, but looks like an mp3 to file sniffers."""
    r = random.Random(seed)
    out = bytearray(b"ID3\x03\x00\x00\x00\x00\x00\x00")
    for _ in range(frames):
        out += b"\xff\xfb\x90\x64" + bytes(r.getrandbits(8) for _ in range(413))
    return bytes(out)


def code_pre(src: str) -> str:
    """Code the way a code-formatting add-on stores it: <pre><code> with real newlines."""
    return "<pre><code>" + html.escape(src.strip("\n"), quote=False) + "</code></pre>"


def code_br(src: str) -> str:
    """Code pasted straight into the Anki editor: <br> lines and &nbsp; indentation."""
    lines = []
    for line in src.strip("\n").split("\n"):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        lines.append("&nbsp;" * indent + html.escape(stripped, quote=False))
    return '<div style="font-family: monospace;">' + "<br>".join(lines) + "</div>"


# ---------------------------------------------------------------------------
# collection builder
# ---------------------------------------------------------------------------


class Builder:
    def __init__(self) -> None:
        self.tmp = tempfile.mkdtemp(prefix="blinddeck_")
        self.col = Collection(os.path.join(self.tmp, "collection.anki2"))

    # decks
    def deck(self, name: str, desc: str | None = None) -> int:
        did = self.col.decks.id(name)
        if desc is not None:
            d = self.col.decks.get(did)
            d["desc"] = desc
            self.col.decks.save(d)
        return did

    # note types
    def model(self, name: str):
        m = self.col.models.by_name(name)
        assert m is not None, name
        return m

    def custom_model(self, name, fields, templates, css, cloze=False, sortf=0):
        mm = self.col.models
        m = mm.new(name)
        for f in fields:
            mm.add_field(m, mm.new_field(f))
        for tname, q, a in templates:
            t = mm.new_template(tname)
            t["qfmt"] = q
            t["afmt"] = a
            mm.add_template(m, t)
        m["css"] = css
        if cloze:
            m["type"] = 1
        m["sortf"] = sortf
        mm.add(m)
        return mm.by_name(name)

    def restyle(self, name, css_extra):
        m = self.model(name)
        m["css"] = m["css"] + css_extra
        self.col.models.update_dict(m)

    # notes
    def add(self, model, fields: dict, deck: str, tags=()):
        if isinstance(model, str):
            model = self.model(model)
        note = self.col.new_note(model)
        for k, v in fields.items():
            note[k] = v
        note.tags = list(tags)
        self.col.add_note(note, self.deck(deck))
        return note

    # media
    def media(self, name: str, data: bytes) -> str:
        got = self.col.media.write_data(name, data)
        assert got == name, (name, got)
        return got

    # scheduling
    def review_some(self, fraction: float, seed: int) -> list[int]:
        r = random.Random(seed)
        cids = list(self.col.find_cards(""))
        chosen = [c for c in cids if r.random() < fraction]
        # several batches with different intervals so it looks like real history
        for i in range(0, len(chosen), 5):
            batch = chosen[i : i + 5]
            spec = r.choice(["1-3", "2-7", "5-20", "10-45!", "30-90!"])
            self.col.sched.set_due_date(batch, spec)
        return chosen

    def suspend_where(self, search: str) -> int:
        cids = list(self.col.find_cards(search))
        self.col.sched.suspend_cards(cids)
        return len(cids)

    def export(self, top_deck: str, fname: str, legacy=False, scheduling=False) -> str:
        did = self.col.decks.id_for_name(top_deck)
        assert did, top_deck
        path = os.path.join(OUT, fname)
        if os.path.exists(path):
            os.remove(path)
        self.col.export_anki_package(
            out_path=path,
            options=ExportAnkiPackageOptions(
                with_scheduling=scheduling,
                with_deck_configs=scheduling,
                with_media=True,
                legacy=legacy,
            ),
            limit=DeckIdLimit(did),
        )
        self.col.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        os.chmod(path, 0o644)  # Anki writes the package with mode 0600
        return path


# ---------------------------------------------------------------------------
# 01  Spanish basics  (Basic, Basic (and reversed card); sounds, images)
# ---------------------------------------------------------------------------


def deck_spanish() -> str:
    b = Builder()
    top = "Spanish Basics"
    b.deck(
        top,
        "Beginner Spanish (A1). Audio recorded from Forvo. "
        "<br>Made for my evening class &mdash; feel free to share!",
    )
    greetings = [
        ("hola", "hello", True),
        ("buenos días", "good morning", True),
        ("buenas tardes", "good afternoon", True),
        ("buenas noches", "good evening / good night", True),
        ("adiós", "goodbye", True),
        ("hasta luego", "see you later", False),
        ("por favor", "please", True),
        ("gracias", "thank you", True),
        ("de nada", "you're welcome", False),
        ("¿Cómo estás?", "How are you? <i>(informal)</i>", False),
        ("mucho gusto", "nice to meet you", False),
    ]
    for i, (es, en, snd) in enumerate(greetings):
        front = es
        if snd:
            fn = (
                "es_"
                + re.sub(r"[^a-z]+", "_", es.lower().replace("í", "i").replace("ó", "o")).strip(
                    "_"
                )
                + ".mp3"
            )
            b.media(fn, fake_mp3(100 + i))
            front = f"{es}[sound:{fn}]"
        b.add(
            "Basic (and reversed card)",
            {"Front": front, "Back": en},
            f"{top}::Greetings",
            ["spanish", "A1", "greetings"],
        )

    b.media("manzana.png", diagram("manzana", seed=1))
    b.media("naranja.png", diagram("naranja", seed=2))
    b.media("queso.png", diagram("queso", seed=3))
    food = [
        ("la manzana", "apple", '<img src="manzana.png">'),
        ("el pan", "bread", ""),
        ("el queso", "cheese", '<img src="queso.png">'),
        ("la leche", "milk", ""),
        ("el agua", "water<br><i>(feminine noun, but takes <b>el</b> in the singular)</i>", ""),
        ("el pollo", "chicken", ""),
        (
            "la paella",
            "paella (rice dish from Valencia)",
            '<img src="paella.jpg">',
        ),  # missing file
        ("el arroz", "rice", ""),
        ("la naranja", "orange", '<img src="naranja.png">'),
        ("el pescado", "fish <i>(as food; the live animal is <b>el pez</b>)</i>", ""),
    ]
    for es, en, img in food:
        back = en + (f"<div>{img}</div>" if img else "")
        b.add(
            "Basic (and reversed card)",
            {"Front": es, "Back": back},
            f"{top}::Food",
            ["spanish", "A1", "food"],
        )

    verbs = [
        ("to be <i>(permanent traits)</i>", "ser", ["soy", "eres", "es", "somos", "sois", "son"]),
        (
            "to be <i>(location, states)</i>",
            "estar",
            ["estoy", "estás", "está", "estamos", "estáis", "están"],
        ),
        ("to have", "tener", ["tengo", "tienes", "tiene", "tenemos", "tenéis", "tienen"]),
        ("to go", "ir", ["voy", "vas", "va", "vamos", "vais", "van"]),
        ("to do / to make", "hacer", ["hago", "haces", "hace", "hacemos", "hacéis", "hacen"]),
        ("to eat", "comer", ["como", "comes", "come", "comemos", "coméis", "comen"]),
        ("to live", "vivir", ["vivo", "vives", "vive", "vivimos", "vivís", "viven"]),
        ("to speak", "hablar", ["hablo", "hablas", "habla", "hablamos", "habláis", "hablan"]),
    ]
    persons = ["yo", "tú", "él/ella/usted", "nosotros", "vosotros", "ellos/ustedes"]
    for en, inf, forms in verbs:
        rows = "".join(
            f"<tr><td>{p}</td><td>{f}</td></tr>" for p, f in zip(persons, forms, strict=True)
        )
        back = f"<b>{inf}</b><br><br><table>{rows}</table>"
        tags = ["spanish", "A1", "verbs"] + (
            ["irregular"] if inf in ("ser", "estar", "tener", "ir", "hacer") else []
        )
        b.add("Basic", {"Front": en, "Back": back}, f"{top}::Verbs", tags)
    # one 'marked' note, as people do from the reviewer
    nid = b.col.find_notes('"deck:Spanish Basics::Verbs" ser')[0]
    n = b.col.get_note(nid)
    n.tags.append("marked")
    b.col.update_note(n)
    return b.export(top, "01_spanish_basics.apkg")


# ---------------------------------------------------------------------------
# 02  World capitals  (Basic (optional reversed card), flags, LEGACY)
# ---------------------------------------------------------------------------


def deck_capitals() -> str:
    b = Builder()
    top = "World Geography"
    b.deck(top, "Countries, capitals and flags.")
    data = {
        "Europe": [
            ("France", "Paris", flag_stripes(["#0055a4", "white", "#ef4135"]), "fr", True),
            ("Italy", "Rome", flag_stripes(["#009246", "white", "#ce2b37"]), "it", True),
            (
                "Germany",
                "Berlin",
                flag_stripes(["black", "#dd0000", "#ffce00"], False),
                "de",
                True,
            ),
            ("Belgium", "Brussels", flag_stripes(["black", "#fdda24", "#ef3340"]), "be", False),
            ("Ireland", "Dublin", flag_stripes(["#169b62", "white", "#ff883e"]), "ie", True),
            (
                "Austria",
                "Vienna",
                flag_stripes(["#ed2939", "white", "#ed2939"], False),
                "at",
                False,
            ),
            (
                "Netherlands",
                "Amsterdam<br><i>(seat of government: The Hague)</i>",
                flag_stripes(["#ae1c28", "white", "#21468b"], False),
                "nl",
                True,
            ),
            (
                "Hungary",
                "Budapest",
                flag_stripes(["#ce2939", "white", "#477050"], False),
                "hu",
                False,
            ),
            ("Poland", "Warsaw", flag_stripes(["white", "#dc143c"], False), "pl", True),
            ("Ukraine", "Kyiv", flag_stripes(["#0057b7", "#ffd700"], False), "ua", True),
            (
                "Estonia",
                "Tallinn",
                flag_stripes(["#0072ce", "black", "white"], False),
                "ee",
                False,
            ),
            (
                "Lithuania",
                "Vilnius",
                flag_stripes(["#fdb913", "#006a44", "#c1272d"], False),
                "lt",
                False,
            ),
            ("Portugal", "Lisbon", None, "pt", True),  # flag referenced but missing
        ],
        "Asia": [
            ("Japan", "Tokyo", flag_disc("white", "#bc002d"), "jp", True),
            ("Bangladesh", "Dhaka", flag_disc("#006a4e", "#f42a41", dx=-5), "bd", False),
            ("Indonesia", "Jakarta", flag_stripes(["#ff0000", "white"], False), "id", False),
            ("Thailand", "Bangkok", None, "th", True),
            ("India", "New Delhi", None, "in", True),
            ("Mongolia", "Ulaanbaatar", "noimg", "", False),
            ("Kazakhstan", "Astana", "noimg", "", False),
            ("Vietnam", "Hanoi", "noimg", "", True),
        ],
        "Africa": [
            ("Nigeria", "Abuja", flag_stripes(["#008751", "white", "#008751"]), "ng", False),
            ("Mali", "Bamako", flag_stripes(["#14b53a", "#fcd116", "#ce1126"]), "ml", False),
            ("Chad", "N'Djamena", flag_stripes(["#002664", "#fecb00", "#c60c30"]), "td", False),
            ("Kenya", "Nairobi", "noimg", "", True),
            ("Egypt", "Cairo", "noimg", "", True),
            ("Morocco", "Rabat", "noimg", "", False),
        ],
        "South America": [
            ("Peru", "Lima", flag_stripes(["#d91023", "white", "#d91023"]), "pe", True),
            (
                "Bolivia",
                "Sucre <i>(constitutional)</i> / La Paz <i>(seat of government)</i>",
                flag_stripes(["#d52b1e", "#f9e300", "#007934"], False),
                "bo",
                False,
            ),
            ("Brazil", "Brasília", None, "br", True),
            ("Argentina", "Buenos Aires", None, "ar", True),
            ("Chile", "Santiago", "noimg", "", False),
        ],
    }
    for region, rows in data.items():
        for country, capital, flag, code, rev in rows:
            front = country
            if flag != "noimg":
                fn = f"flag_{code}.png"
                if flag is not None:
                    b.media(fn, flag)
                front = f'{country}<div><img src="{fn}"></div>'
            b.add(
                "Basic (optional reversed card)",
                {"Front": front, "Back": capital, "Add Reverse": "y" if rev else ""},
                f"{top}::Capitals::{region}",
                ["geography", "capitals", region.lower().replace(" ", "_")],
            )
    return b.export(top, "02_world_capitals_legacy.apkg", legacy=True)


# ---------------------------------------------------------------------------
# 03  Cardiology cloze  (Cloze: hints, repeated/nested numbers; scheduling,
#     suspended cards)
# ---------------------------------------------------------------------------


def deck_cardiology() -> str:
    b = Builder()
    top = "Medicine::Cardiology"
    b.deck("Medicine", "")
    b.deck(
        top, "Cloze cards made while studying for Step 1. Sources: First Aid, Pathoma, B&amp;B."
    )
    b.media("ecg_afib.png", ecg_strip(7, irregular=True))
    b.media("ecg_chb.png", ecg_strip(8))
    b.media("heart diagram.png", diagram("RA", seed=11))
    paste = "paste-6b1e4a0c2f9d3e7a8b5c1d2e3f4a5b6c7d8e9f0a.png"
    b.media(paste, ecg_strip(9))
    territories = (
        "<table><tr><th>Leads</th><th>Territory</th><th>Artery</th></tr>"
        "<tr><td>II, III, aVF</td><td>Inferior</td><td>RCA</td></tr>"
        "<tr><td>V1&ndash;V4</td><td>Anterior / septal</td><td>LAD</td></tr>"
        "<tr><td>I, aVL, V5&ndash;V6</td><td>Lateral</td><td>LCX</td></tr></table>"
    )
    notes = [
        (
            "The {{c1::sinoatrial (SA) node}} is the primary pacemaker of the heart, located in the {{c2::right atrium::chamber}}.",
            '<img src="heart diagram.png">',
            ["physiology", "conduction"],
        ),
        (
            "Normal resting heart rate in adults is {{c1::60&ndash;100}} beats per minute.",
            "",
            ["physiology"],
        ),
        (
            "Cardiac output = {{c1::stroke volume}} &times; {{c2::heart rate}}",
            "CO &asymp; 5 L/min at rest",
            ["physiology", "high_yield"],
        ),
        (
            "{{c1::Atrial fibrillation}} shows an {{c2::irregularly irregular}} rhythm with no discernible {{c3::P waves}} on ECG.",
            '<img src="ecg_afib.png">',
            ["arrhythmia", "ECG", "high_yield"],
        ),
        (
            "The {{c1::mitral}} and {{c1::tricuspid}} valves are the atrioventricular valves; the {{c2::aortic}} and {{c2::pulmonary}} valves are semilunar.",
            "",
            ["anatomy", "valves"],
        ),
        (
            "{{c1::Beta-blockers reduce {{c2::heart rate}} and {{c2::contractility}}}}, lowering myocardial O<sub>2</sub> demand.",
            "Avoid in cocaine-induced chest pain (unopposed &alpha;).",
            ["pharm", "angina"],
        ),
        (
            "First-line for acute relief of stable angina: {{c1::sublingual nitroglycerin::drug}}.",
            "",
            ["pharm", "angina"],
        ),
        (
            "S1 = closure of the {{c1::AV (mitral and tricuspid)}} valves; S2 = closure of the {{c2::semilunar (aortic and pulmonic)}} valves.",
            "",
            ["physical_exam", "heart_sounds"],
        ),
        (
            "Virchow's triad: {{c1::stasis}}, {{c1::endothelial injury}}, {{c1::hypercoagulability}}",
            "",
            ["thrombosis", "high_yield"],
        ),
        (
            "ST elevation in leads {{c1::II, III, aVF}} suggests an {{c2::inferior}} MI, usually due to {{c3::right coronary artery::vessel}} occlusion.",
            territories,
            ["MI", "ECG", "high_yield"],
        ),
        (
            "Most common cause of death in the first few days after MI: {{c1::ventricular arrhythmia}}.",
            "",
            ["MI"],
        ),
        (
            "{{c1::BNP}} is released from ventricular myocytes in response to {{c2::increased wall stretch}}.",
            "",
            ["heart_failure"],
        ),
        (
            "Mean arterial pressure &asymp; {{c1::DBP + &#8531;(SBP &minus; DBP)}}",
            "",
            ["physiology"],
        ),
        (
            "Kussmaul sign: paradoxical {{c1::rise}} in JVP on inspiration; seen in {{c2::constrictive pericarditis}}.",
            "",
            ["pericardium", "physical_exam"],
        ),
        (
            "Beck's triad (cardiac tamponade): {{c1::hypotension}}, {{c1::distended neck veins}}, {{c1::muffled heart sounds}}.",
            "Also: pulsus paradoxus, electrical alternans.",
            ["pericardium", "high_yield"],
        ),
        (
            "Digoxin inhibits the {{c1::Na<sup>+</sup>/K<sup>+</sup>-ATPase}}, indirectly increasing intracellular {{c2::Ca<sup>2+</sup>}}.",
            "<ul><li>Toxicity: nausea, yellow vision, arrhythmias</li><li>Worsened by <b>hypokalemia</b></li></ul>",
            ["pharm", "heart_failure"],
        ),
        (
            "Dihydropyridine CCBs (e.g. {{c1::amlodipine}}) act mainly on {{c2::vascular smooth muscle}}.",
            "",
            ["pharm"],
        ),
        (
            "In IV drug users, infective endocarditis is most often caused by {{c1::<i>Staphylococcus aureus</i>}}, classically on the {{c2::tricuspid}} valve.",
            '<img src="murmur_chart.jpg">',
            ["infection", "valves"],
        ),  # missing image
        (
            f'<img src="{paste}"><br>P waves and QRS complexes march independently: {{{{c1::third-degree (complete) heart block}}}}.',
            "",
            ["arrhythmia", "ECG"],
        ),
        (
            "Holosystolic murmur at the apex radiating to the axilla: {{c1::mitral regurgitation}}<br>Crescendo-decrescendo systolic murmur radiating to the carotids: {{c2::aortic stenosis}}",
            '<img src="ecg_chb.png">',
            ["murmurs", "physical_exam"],
        ),
        (
            "{{c1::Torsades de pointes}} is associated with a prolonged {{c2::QT}} interval; treat with {{c3::IV magnesium sulfate}}.",
            "",
            ["arrhythmia", "pharm"],
        ),
    ]
    for text, extra, tags in notes:
        b.add(
            "Cloze",
            {"Text": text, "Back Extra": extra},
            top,
            ["Medicine::Cardiology"] + [f"#Step1::{t}" for t in tags[:1]] + tags[1:],
        )
    b.review_some(0.45, seed=3)
    # a leech, suspended (what Anki does automatically) + one manually suspended card
    nid = b.col.find_notes("Kussmaul")[0]
    n = b.col.get_note(nid)
    n.tags.append("leech")
    b.col.update_note(n)
    b.col.sched.suspend_cards([n.cards()[0].id])
    b.suspend_where("Digoxin card:1")
    return b.export("Medicine", "03_cardiology_cloze_sched.apkg", scheduling=True)


# ---------------------------------------------------------------------------
# 04  Python snippets  (custom 6-field type, 2 templates, conditionals,
#     hint:, code blocks; Basic (type in the answer))
# ---------------------------------------------------------------------------

PY_CSS = """.card {
  font-family: -apple-system, "Segoe UI", Roboto, sans-serif;
  font-size: 18px;
  text-align: left;
  color: #1e1e1e;
  background-color: #fafafa;
}
.lang { font-size: 12px; color: #888; text-transform: uppercase; }
.code pre, pre.output {
  background: #272822; color: #f8f8f2;
  padding: 10px; border-radius: 6px; font-size: 15px;
  overflow-x: auto;
}
pre.output { background: #eef; color: #222; }
.explanation { margin-top: 12px; border-left: 3px solid #4a90d9; padding-left: 8px; }
.source { font-size: 13px; }
.nightMode .code pre { background: #111; }
"""


def deck_python() -> str:
    b = Builder()
    top = "Programming"
    b.deck(top)
    b.deck(f"{top}::Python", "Python notes from <i>Fluent Python</i> and the official docs.")
    m = b.custom_model(
        "Programming Snippet",
        ["Question", "Code", "Output", "Explanation", "Language", "Source"],
        [
            (
                "Predict Output",
                "<!-- Card 1: read the code, predict what it prints -->\n"
                '<div class="lang">{{Language}}</div>\n'
                '<div class="question">{{Question}}</div>\n'
                '<div class="code">{{Code}}</div>\n'
                '{{#Source}}<div class="source">{{hint:Source}}</div>{{/Source}}',
                "{{FrontSide}}\n\n<hr id=answer>\n\n"
                '{{#Output}}<b>Output</b><pre class="output">{{Output}}</pre>{{/Output}}\n'
                "{{^Output}}<i>No output (nothing is printed).</i>{{/Output}}\n"
                '{{#Explanation}}<div class="explanation">{{Explanation}}</div>{{/Explanation}}',
            ),
            (
                "Explain Code",
                "{{#Explanation}}\n"
                '<div class="lang">{{Language}}</div>\n'
                "Explain what this code does:\n"
                '<div class="code">{{Code}}</div>\n'
                "{{/Explanation}}",
                "{{FrontSide}}\n\n<hr id=answer>\n\n{{Explanation}}",
            ),
        ],
        PY_CSS,
    )
    snippets = [
        (
            "What does this print?",
            code_pre("""
nums = [3, 1, 2]
print(sorted(nums), nums)
"""),
            "[1, 2, 3] [3, 1, 2]",
            "<code>sorted()</code> returns a <b>new</b> list; the original is unchanged.",
            "Idioms",
            "docs: Sorting HOW TO",
        ),
        (
            "What does this print?",
            code_pre("""
def append_to(item, target=[]):
    target.append(item)
    return target

print(append_to(1))
print(append_to(2))
"""),
            "[1]\n[1, 2]",
            "Default arguments are evaluated <u>once</u>, at function definition time. Use <code>target=None</code> instead.",
            "Idioms",
            "Python gotchas",
        ),
        (
            "Result?",
            code_pre("""
x = [i * i for i in range(5) if i % 2 == 0]
print(x)
"""),
            "[0, 4, 16]",
            "",
            "Basics",
            "",
        ),
        (
            "What is printed?",
            code_br("""
for i in range(3):
    if i == 1:
        continue
    print(i)
"""),
            "0<br>2",
            "<code>continue</code> skips the rest of the loop body for that iteration.",
            "Basics",
            "",
        ),
        (
            "Output?",
            code_pre("""
d = {"a": 1, "b": 2}
for k, v in d.items():
    print(k, v)
"""),
            "a 1\nb 2",
            "Dicts preserve insertion order (guaranteed since 3.7).",
            "Basics",
            "docs: dict",
        ),
        (
            "",
            code_pre("""
class Counter:
    def __init__(self):
        self.count = 0

    def __call__(self):
        self.count += 1
        return self.count

c = Counter()
c(); c()
print(c.count)
"""),
            "2",
            "Defining <code>__call__</code> makes instances callable like functions.",
            "Idioms",
            "Fluent Python ch. 7",
        ),
        (
            "What happens?",
            code_pre("""
a = (1, 2, [3])
a[2] += [4]
"""),
            "TypeError: 'tuple' object does not support item assignment",
            "The list <b>is</b> extended to [3, 4] <i>and</i> a TypeError is raised &mdash; <code>+=</code> does the in-place add, then tries to assign back into the tuple.",
            "Idioms",
            "Fluent Python ch. 2",
        ),
        (
            "What does this evaluate to?",
            code_pre("""
print(0.1 + 0.2 == 0.3)
"""),
            "False",
            "Floating-point rounding. Use <code>math.isclose()</code>.",
            "Basics",
            "",
        ),
        (
            "",
            code_pre("""
import functools

@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
"""),
            "",
            "Memoised recursive Fibonacci: <code>lru_cache</code> stores previous results so each <code>fib(k)</code> is computed once &rarr; O(n) instead of O(2<sup>n</sup>).",
            "Idioms",
            "docs: functools",
        ),
        (
            "",
            code_pre("""
with open("data.txt") as f:
    lines = [line.rstrip("\\n") for line in f]
"""),
            "",
            "Reads a file line by line into a list, stripping newlines; the <code>with</code> block closes the file even if an exception occurs.",
            "Basics",
            "",
        ),
        (
            "Output?",
            code_br("""
s = "hello world"
print(s.title())
print(s[::-1])
"""),
            "Hello World<br>dlrow olleh",
            "",
            "Basics",
            "",
        ),
        (
            "What is printed?",
            code_pre("""
x = 10
def f():
    x = 20
    def g():
        nonlocal x
        x += 1
        return x
    return g()
print(f(), x)
"""),
            "21 10",
            "<code>nonlocal</code> rebinds the variable in the nearest enclosing <i>function</i> scope, not the global one.",
            "Idioms",
            "",
        ),
        (
            "",
            code_pre("""
try:
    value = int(user_input)
except ValueError:
    value = 0
else:
    print("parsed OK")
finally:
    print("done")
"""),
            "",
            "",
            "Basics",
            "",
        ),  # neither output nor explanation: 1 card only
        (
            "What does <code>zip</code> return here?",
            code_pre("""
print(list(zip("abc", [1, 2])))
"""),
            "[('a', 1), ('b', 2)]",
            "<code>zip</code> stops at the shortest iterable (use <code>itertools.zip_longest</code> otherwise).",
            "Basics",
            "",
        ),
        (
            "Output?",
            code_pre("""
from collections import Counter
print(Counter("mississippi").most_common(2))
"""),
            "[('i', 4), ('s', 4)]",
            "",
            "Idioms",
            "docs: collections",
        ),
    ]
    for q, code, out, expl, sub, src in snippets:
        b.add(
            m,
            {
                "Question": q,
                "Code": code,
                "Output": html.escape(out, quote=False) if "<br>" not in out else out,
                "Explanation": expl,
                "Language": "Python 3",
                "Source": src,
            },
            f"{top}::Python::{sub}",
            ["python", sub.lower()],
        )
    typing = [
        ("Built-in that returns the number of items in a container", "len"),
        ("Keyword used to define an anonymous function", "lambda"),
        ("List method that adds an item to the end", "append"),
        ("Standard-library module for regular expressions", "re"),
        ("What does <code>list(range(3))</code> evaluate to?", "[0, 1, 2]"),
        ("String method that removes leading and trailing whitespace", "strip"),
        ("Exception raised when a dictionary key is missing", "KeyError"),
        ("Built-in that yields (index, item) pairs while iterating", "enumerate"),
        ("Statement that does nothing (placeholder)", "pass"),
    ]
    for f, bk in typing:
        b.add(
            "Basic (type in the answer)",
            {"Front": f, "Back": bk},
            f"{top}::Python::Basics",
            ["python", "builtins"],
        )
    return b.export(top, "04_python_snippets.apkg")


# ---------------------------------------------------------------------------
# 05  Japanese vocab  (furigana/kana/kanji filters, 3 templates, audio)
# ---------------------------------------------------------------------------

JP_CSS = """.card {
  font-family: "Hiragino Kaku Gothic Pro", "Noto Sans JP", "Yu Gothic", sans-serif;
  font-size: 22px;
  text-align: center;
  color: black;
  background-color: white;
}
.big { font-size: 48px; }
.meaning { font-size: 24px; color: #2a4d8f; }
.example { margin-top: 16px; font-size: 20px; }
.ex-en { font-size: 15px; color: #666; }
ruby rt { font-size: 0.55em; }
"""


def deck_japanese() -> str:
    b = Builder()
    top = "日本語"
    b.deck(top)
    deck = f"{top}::JLPT N5 Vocabulary"
    b.deck(deck, "JLPT N5 core words with example sentences. 🇯🇵")
    m = b.custom_model(
        "Japanese Vocab (N5)",
        ["Expression", "Reading", "Meaning", "Example", "Example Translation", "Audio"],
        [
            (
                "Recognition",
                '<div class="jp big">{{Expression}}</div>',
                "{{FrontSide}}\n<hr id=answer>\n"
                '<div class="jp">{{furigana:Reading}}</div>\n'
                '<div class="meaning">{{Meaning}}</div>\n'
                "{{#Example}}\n"
                '<div class="example jp">{{furigana:Example}}</div>\n'
                '<div class="ex-en">{{Example Translation}}</div>\n'
                "{{/Example}}\n"
                "{{Audio}}",
            ),
            (
                "Recall",
                '<div class="meaning">{{Meaning}}</div>',
                "{{FrontSide}}\n<hr id=answer>\n"
                '<div class="jp big">{{kanji:Reading}}</div>\n'
                '<div class="jp">{{kana:Reading}}</div>\n'
                "{{Audio}}",
            ),
            (
                "Listening",
                "{{#Audio}}<div>🔊 What word is this?</div>{{Audio}}{{/Audio}}",
                "{{FrontSide}}\n<hr id=answer>\n"
                '<div class="jp big">{{furigana:Reading}}</div>\n<div class="meaning">{{Meaning}}</div>',
            ),
        ],
        JP_CSS,
    )
    words = [
        (
            "日本",
            "日本[にほん]",
            "Japan",
            "日本[にほん]に 住[す]んでいます。",
            "I live in Japan.",
            "noun",
        ),
        (
            "食べる",
            "食[た]べる",
            "to eat",
            "毎朝[まいあさ]パンを 食[た]べます。",
            "I eat bread every morning.",
            "verb",
        ),
        ("飲む", "飲[の]む", "to drink", "水[みず]を 飲[の]みます。", "I drink water.", "verb"),
        ("水", "水[みず]", "water", "", "", "noun"),
        (
            "学生",
            "学生[がくせい]",
            "student",
            "私[わたし]は 学生[がくせい]です。",
            "I am a student.",
            "noun",
        ),
        ("先生", "先生[せんせい]", "teacher", "", "", "noun"),
        (
            "学校",
            "学校[がっこう]",
            "school",
            "学校[がっこう]へ 行[い]きます。",
            "I go to school.",
            "noun",
        ),
        ("行く", "行[い]く", "to go", "", "", "verb"),
        (
            "来る",
            "来[く]る",
            "to come",
            "友達[ともだち]が 来[き]ました。",
            "My friend came.",
            "verb",
        ),
        (
            "見る",
            "見[み]る",
            "to see; to look; to watch",
            "テレビを 見[み]ます。",
            "I watch TV.",
            "verb",
        ),
        ("本", "本[ほん]", "book", "", "", "noun"),
        (
            "電車",
            "電車[でんしゃ]",
            "train (electric)",
            "電車[でんしゃ]で 会社[かいしゃ]に 行[い]きます。",
            "I go to the office by train.",
            "noun",
        ),
        ("駅", "駅[えき]", "station", "", "", "noun"),
        (
            "大きい",
            "大[おお]きい",
            "big",
            "大[おお]きい 犬[いぬ]ですね。",
            "That's a big dog, isn't it.",
            "i-adjective",
        ),
        ("小さい", "小[ちい]さい", "small", "", "", "i-adjective"),
        (
            "新しい",
            "新[あたら]しい",
            "new",
            "新[あたら]しい 車[くるま]を 買[か]いました。",
            "I bought a new car.",
            "i-adjective",
        ),
        ("古い", "古[ふる]い", "old (not for people)", "", "", "i-adjective"),
        ("山", "山[やま]", "mountain", "", "", "noun"),
        ("川", "川[かわ]", "river", "", "", "noun"),
        ("雨", "雨[あめ]", "rain", "雨[あめ]が 降[ふ]っています。", "It is raining.", "noun"),
        (
            "天気",
            "天気[てんき]",
            "weather",
            "今日[きょう]はいい 天気[てんき]ですね。",
            "Nice weather today, isn't it.",
            "noun",
        ),
        ("友達", "友達[ともだち]", "friend", "", "", "noun"),
        ("時間", "時間[じかん]", "time; hour(s)", "", "", "noun"),
        ("今日", "今日[きょう]", "today", "", "", "noun"),
        (
            "明日",
            "明日[あした]",
            "tomorrow",
            "明日[あした]また 来[き]てください。",
            "Please come again tomorrow.",
            "noun",
        ),
        (
            "お茶",
            "お 茶[ちゃ]",
            "(green) tea",
            "お 茶[ちゃ]をどうぞ。",
            "Here, have some tea.",
            "noun",
        ),
        ("きれい", "きれい", "pretty; clean", "", "", "na-adjective"),
    ]
    audio_ok = {"日本", "食べる", "飲む", "水", "学生", "学校", "行く", "来る", "大きい", "雨"}
    audio_missing = {"電車", "天気"}  # referenced, file never added
    for i, (expr, reading, meaning, ex, ex_en, pos) in enumerate(words):
        audio = ""
        if expr in audio_ok or expr in audio_missing:
            fn = f"{expr}.mp3"
            if expr in audio_ok:
                b.media(fn, fake_mp3(500 + i))
            audio = f"[sound:{fn}]"
        b.add(
            m,
            {
                "Expression": expr,
                "Reading": reading,
                "Meaning": meaning,
                "Example": ex,
                "Example Translation": ex_en,
                "Audio": audio,
            },
            deck,
            ["JLPT::N5", "japanese", pos],
        )
    return b.export(top, "05_japanese_n5_furigana.apkg")


# ---------------------------------------------------------------------------
# 06  Calculus  (MathJax inline/display, Basic + Cloze, LEGACY)
# ---------------------------------------------------------------------------


def deck_calculus() -> str:
    b = Builder()
    top = "Math"
    b.deck(top)
    b.deck(f"{top}::Calculus", "Single-variable calculus formulas (Calc I/II).")
    basics = [
        ("Derivatives", r"Derivative of \(\sin x\)", r"\(\cos x\)"),
        ("Derivatives", r"\(\frac{d}{dx} e^{x}\)", r"\(e^{x}\)"),
        ("Derivatives", r"\(\frac{d}{dx} \ln x\)", r"\(\frac{1}{x}\), for \(x &gt; 0\)"),
        ("Derivatives", r"Derivative of \(\tan x\)", r"\(\sec^2 x\)"),
        ("Derivatives", "Product rule", r"\[(fg)' = f'g + fg'\]"),
        ("Derivatives", "Quotient rule", r"\[\left(\frac{f}{g}\right)' = \frac{f'g - fg'}{g^2}\]"),
        ("Derivatives", "Chain rule", r"\[\frac{d}{dx} f(g(x)) = f'(g(x))\,g'(x)\]"),
        (
            "Integrals",
            r"\(\int x^n\,dx\) &nbsp;(for \(n \neq -1\))",
            r"\(\frac{x^{n+1}}{n+1} + C\)",
        ),
        ("Integrals", r"\(\int \frac{1}{x}\,dx\)", r"\(\ln|x| + C\)"),
        ("Integrals", r"\(\int e^{x}\,dx\)", r"\(e^{x} + C\)"),
        (
            "Integrals",
            "Fundamental theorem of calculus (part 2)",
            r"\[\int_a^b f(x)\,dx = F(b) - F(a)\]<div>where \(F' = f\) on \([a, b]\)</div>",
        ),
        (
            "Integrals",
            "Integration by parts",
            r"\[\int u\,dv = uv - \int v\,du\]<div><i>LIATE</i> for choosing \(u\)</div>",
        ),
        ("Limits", r"\(\displaystyle\lim_{x \to 0} \frac{\sin x}{x}\)", r"\(1\)"),
        (
            "Limits",
            r"Definition of \(e\) as a limit",
            r"\[e = \lim_{n\to\infty}\left(1 + \frac{1}{n}\right)^n\]",
        ),
        (
            "Series",
            r"Maclaurin series of \(e^x\)",
            r"\[e^x = \sum_{n=0}^{\infty} \frac{x^n}{n!}\]",
        ),
        (
            "Series",
            "Geometric series sum (and when it converges)",
            r"\[\sum_{n=0}^{\infty} ar^n = \frac{a}{1-r}\]<div>converges iff \(|r| &lt; 1\)</div>",
        ),
        (
            "Limits",
            "L'Hôpital's rule",
            r"If \(\lim f = \lim g = 0\) (or \(\pm\infty\)):<ul><li>\(\displaystyle\lim \frac{f}{g} = \lim \frac{f'}{g'}\)</li>"
            r"<li>provided the right-hand limit exists</li></ul>",
        ),
    ]
    for sub, f, bk in basics:
        b.add(
            "Basic", {"Front": f, "Back": bk}, f"{top}::Calculus::{sub}", ["calculus", sub.lower()]
        )
    clozes = [
        ("Derivatives", r"The derivative of \(\arctan x\) is {{c1::\(\frac{1}{1+x^2}\)}}.", ""),
        ("Derivatives", r"\(\frac{d}{dx}\cos x = {{c1::-\sin x}}\)", ""),
        (
            "Derivatives",
            r"Mean value theorem: if \(f\) is continuous on \([a,b]\) and differentiable on \((a,b)\), "
            r"then there is a \(c \in (a,b)\) with {{c1::\(f'(c) = \frac{f(b)-f(a)}{b-a}\)}}.",
            "Special case \\(f(a)=f(b)\\): Rolle's theorem.",
        ),
        (
            "Integrals",
            r"Area of a circle: {{c1::\(\pi r^2\)::formula}}; circumference: {{c2::\(2\pi r\)}}",
            "",
        ),
        ("Integrals", r"\(\int \sec^2 x\,dx = {{c1::\tan x}} + C\)", ""),
        (
            "Series",
            r"The harmonic series \(\sum \frac{1}{n}\) {{c1::diverges}}, but \(\sum \frac{1}{n^2}\) {{c2::converges}} (to {{c3::\(\frac{\pi^2}{6}\)}}).",
            "Basel problem (Euler, 1734)",
        ),
    ]
    for sub, text, extra in clozes:
        b.add(
            "Cloze",
            {"Text": text, "Back Extra": extra},
            f"{top}::Calculus::{sub}",
            ["calculus", sub.lower(), "cloze"],
        )
    return b.export(top, "06_calculus_mathjax_legacy.apkg", legacy=True)


# ---------------------------------------------------------------------------
# 07  German vocabulary  (320 notes, programmatic, 2 templates)
# ---------------------------------------------------------------------------

GERMAN_NOUNS = """der|Mann|Männer|man
die|Frau|Frauen|woman; wife
das|Kind|Kinder|child
der|Vater|Väter|father
die|Mutter|Mütter|mother
der|Bruder|Brüder|brother
die|Schwester|Schwestern|sister
der|Freund|Freunde|friend (male); boyfriend
die|Freundin|Freundinnen|friend (female); girlfriend
das|Haus|Häuser|house
die|Wohnung|Wohnungen|apartment, flat
das|Zimmer|Zimmer|room
die|Küche|Küchen|kitchen
das|Bad|Bäder|bathroom; bath
der|Tisch|Tische|table
der|Stuhl|Stühle|chair
das|Bett|Betten|bed
die|Tür|Türen|door
das|Fenster|Fenster|window
die|Stadt|Städte|city, town
das|Dorf|Dörfer|village
die|Straße|Straßen|street
der|Bahnhof|Bahnhöfe|train station
der|Flughafen|Flughäfen|airport
das|Auto|Autos|car
der|Zug|Züge|train
der|Bus|Busse|bus
das|Fahrrad|Fahrräder|bicycle
die|Schule|Schulen|school
die|Universität|Universitäten|university
der|Lehrer|Lehrer|teacher (male)
die|Lehrerin|Lehrerinnen|teacher (female)
der|Arzt|Ärzte|doctor (male)
die|Ärztin|Ärztinnen|doctor (female)
das|Krankenhaus|Krankenhäuser|hospital
die|Arbeit|Arbeiten|work
der|Beruf|Berufe|profession, job
das|Geld|Gelder|money
die|Bank|Banken|bank (financial)
der|Laden|Läden|shop
der|Supermarkt|Supermärkte|supermarket
das|Brot|Brote|bread
die|Butter||butter
der|Käse|Käse|cheese
die|Milch||milk
das|Wasser|Wasser|water
der|Kaffee|Kaffees|coffee
der|Tee|Tees|tea
das|Bier|Biere|beer
der|Wein|Weine|wine
der|Apfel|Äpfel|apple
die|Kartoffel|Kartoffeln|potato
das|Fleisch||meat
der|Fisch|Fische|fish
das|Ei|Eier|egg
der|Zucker||sugar
das|Salz|Salze|salt
das|Frühstück|Frühstücke|breakfast
das|Mittagessen|Mittagessen|lunch
das|Abendessen|Abendessen|dinner
der|Tag|Tage|day
die|Woche|Wochen|week
der|Monat|Monate|month
das|Jahr|Jahre|year
die|Stunde|Stunden|hour; lesson
die|Minute|Minuten|minute
die|Uhr|Uhren|clock; o'clock
der|Morgen|Morgen|morning
der|Abend|Abende|evening
die|Nacht|Nächte|night
der|Montag|Montage|Monday
der|Sommer|Sommer|summer
der|Winter|Winter|winter
das|Wetter||weather
die|Sonne|Sonnen|sun
der|Regen||rain
der|Schnee||snow
der|Wind|Winde|wind
der|Baum|Bäume|tree
die|Blume|Blumen|flower
der|Hund|Hunde|dog
die|Katze|Katzen|cat
der|Vogel|Vögel|bird
das|Pferd|Pferde|horse
der|Berg|Berge|mountain
der|See|Seen|lake
die|See|Seen|sea
der|Fluss|Flüsse|river
das|Meer|Meere|sea, ocean
der|Wald|Wälder|forest
das|Land|Länder|country; land
die|Sprache|Sprachen|language
das|Wort|Wörter|word
der|Satz|Sätze|sentence
die|Frage|Fragen|question
die|Antwort|Antworten|answer
das|Buch|Bücher|book
die|Zeitung|Zeitungen|newspaper
der|Brief|Briefe|letter
das|Handy|Handys|mobile phone
der|Computer|Computer|computer
die|Musik||music
das|Lied|Lieder|song
der|Film|Filme|film, movie
das|Spiel|Spiele|game; match
der|Sport||sport
die|Hand|Hände|hand
der|Kopf|Köpfe|head
das|Auge|Augen|eye
das|Ohr|Ohren|ear
der|Mund|Münder|mouth
die|Nase|Nasen|nose
das|Herz|Herzen|heart
der|Fuß|Füße|foot
das|Bein|Beine|leg
die|Farbe|Farben|colour
die|Kleidung||clothing
das|Hemd|Hemden|shirt
die|Hose|Hosen|trousers
der|Schuh|Schuhe|shoe
der|Urlaub|Urlaube|holiday, vacation
die|Reise|Reisen|journey, trip
das|Hotel|Hotels|hotel
der|Schlüssel|Schlüssel|key"""

GERMAN_VERBS = """sein|to be|Ich bin müde.
haben|to have|Wir haben einen Hund.
werden|to become|Es wird kalt.
können|can, to be able to|Kannst du schwimmen?
müssen|must, to have to|Ich muss jetzt gehen.
wollen|to want|Sie will Ärztin werden.
sollen|should, to be supposed to|
dürfen|may, to be allowed to|
mögen|to like|Ich mag Katzen.
gehen|to go (on foot)|Wir gehen nach Hause.
kommen|to come|Woher kommst du?
fahren|to drive; to go (by vehicle)|Ich fahre mit dem Zug.
fliegen|to fly|
laufen|to run; to walk|
machen|to do, to make|Was machst du heute?
sagen|to say|
sprechen|to speak|Sprechen Sie Englisch?
fragen|to ask|
antworten|to answer|
sehen|to see|
hören|to hear; to listen|Ich höre gern Musik.
lesen|to read|Er liest die Zeitung.
schreiben|to write|
lernen|to learn; to study|Ich lerne Deutsch.
arbeiten|to work|
spielen|to play|
essen|to eat|Was isst du zum Frühstück?
trinken|to drink|
schlafen|to sleep|
wohnen|to live, to reside|Ich wohne in Berlin.
leben|to live (be alive)|
kaufen|to buy|
verkaufen|to sell|
bezahlen|to pay|
geben|to give|Es gibt keine Milch mehr.
nehmen|to take|
bringen|to bring|
finden|to find; to think (opinion)|Wie findest du das?
suchen|to look for|
denken|to think|
wissen|to know (a fact)|Ich weiß es nicht.
kennen|to know (be familiar with)|
verstehen|to understand|
helfen|to help|Kannst du mir helfen?
brauchen|to need|
bleiben|to stay, to remain|
warten|to wait|
öffnen|to open|
schließen|to close|
beginnen|to begin|
aufstehen|to get up|Ich stehe um sieben Uhr auf.
anrufen|to call (by phone)|
einkaufen|to shop|
mitkommen|to come along|
fernsehen|to watch TV|
kochen|to cook|
waschen|to wash|
tragen|to carry; to wear|
zeigen|to show|
vergessen|to forget|"""

GERMAN_ADJ = """groß|big, tall
klein|small, short
alt|old
jung|young
neu|new
gut|good
schlecht|bad
schön|beautiful, nice
hässlich|ugly
lang|long
kurz|short
schnell|fast
langsam|slow
teuer|expensive
billig|cheap
warm|warm
kalt|cold
heiß|hot
leicht|easy; light
schwer|difficult; heavy
früh|early
spät|late
voll|full
leer|empty
richtig|correct
falsch|wrong
müde|tired
krank|ill, sick
gesund|healthy
glücklich|happy
traurig|sad
freundlich|friendly
laut|loud
leise|quiet
hell|bright, light
dunkel|dark
sauber|clean
schmutzig|dirty
wichtig|important
interessant|interesting"""

DE_ONES = [
    "null",
    "eins",
    "zwei",
    "drei",
    "vier",
    "fünf",
    "sechs",
    "sieben",
    "acht",
    "neun",
    "zehn",
    "elf",
    "zwölf",
    "dreizehn",
    "vierzehn",
    "fünfzehn",
    "sechzehn",
    "siebzehn",
    "achtzehn",
    "neunzehn",
]
DE_TENS = {
    2: "zwanzig",
    3: "dreißig",
    4: "vierzig",
    5: "fünfzig",
    6: "sechzig",
    7: "siebzig",
    8: "achtzig",
    9: "neunzig",
}
EN_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
EN_TENS = {
    2: "twenty",
    3: "thirty",
    4: "forty",
    5: "fifty",
    6: "sixty",
    7: "seventy",
    8: "eighty",
    9: "ninety",
}


def de_number(n: int) -> str:
    if n < 20:
        return DE_ONES[n]
    if n == 100:
        return "hundert / einhundert"
    t, u = divmod(n, 10)
    if u == 0:
        return DE_TENS[t]
    return ("ein" if u == 1 else DE_ONES[u]) + "und" + DE_TENS[t]


def en_number(n: int) -> str:
    if n < 20:
        return EN_ONES[n]
    if n == 100:
        return "one hundred"
    t, u = divmod(n, 10)
    return EN_TENS[t] + ("" if u == 0 else "-" + EN_ONES[u])


DE_CSS = """.card {
  font-family: arial;
  font-size: 24px;
  text-align: center;
  color: black;
  background-color: white;
}
.word { font-size: 34px; font-weight: bold; }
.der { color: #1f5fbf; }
.die { color: #c0392b; }
.das { color: #27ae60; }
.plural, .ex { font-size: 18px; color: #555; margin-top: 8px; }
.hint { font-size: 14px; color: #999; }
"""


def deck_german() -> str:
    b = Builder()
    top = "German Vocabulary"
    b.deck(
        top,
        "~320 frequent German words (A1&ndash;B1) with gender colour-coding.<br>"
        "<b>Blue</b> = der, <b>red</b> = die, <b>green</b> = das.",
    )
    m = b.custom_model(
        "German Vocab",
        ["German", "English", "Gender", "Plural", "Example", "Audio"],
        [
            (
                "Recognition (DE→EN)",
                '<div class="word {{Gender}}">{{#Gender}}{{Gender}} {{/Gender}}{{German}}</div>',
                "{{FrontSide}}\n\n<hr id=answer>\n\n{{English}}\n"
                '{{#Plural}}<div class="plural">Plural: die {{Plural}}</div>{{/Plural}}\n'
                '{{#Example}}<div class="ex"><i>{{Example}}</i></div>{{/Example}}\n{{Audio}}',
            ),
            (
                "Production (EN→DE)",
                '{{English}}\n{{#Gender}}<div class="hint">(noun &mdash; include the article)</div>{{/Gender}}',
                "{{FrontSide}}\n\n<hr id=answer>\n\n"
                '<div class="word {{Gender}}">{{#Gender}}{{Gender}} {{/Gender}}{{German}}</div>\n{{Audio}}',
            ),
        ],
        DE_CSS,
    )
    count = 0
    for i, line in enumerate(GERMAN_NOUNS.splitlines()):
        g, w, pl, en = line.split("|")
        audio = ""
        if i < 8:
            fn = f"de_{w.lower()}.mp3"
            b.media(fn, fake_mp3(900 + i, frames=6))
            audio = f"[sound:{fn}]"
        level = "A1" if i < 70 else "A2"
        b.add(
            m,
            {"German": w, "English": en, "Gender": g, "Plural": pl, "Example": "", "Audio": audio},
            f"{top}::Nouns",
            ["german", "noun", level],
        )
        count += 1
    for i, line in enumerate(GERMAN_VERBS.splitlines()):
        w, en, ex = line.split("|")
        b.add(
            m,
            {"German": w, "English": en, "Example": ex},
            f"{top}::Verbs",
            ["german", "verb", "A1" if i < 35 else "A2"]
            + (["separable"] if w.startswith(("auf", "an", "ein", "mit", "fern")) else []),
        )
        count += 1
    for line in GERMAN_ADJ.splitlines():
        w, en = line.split("|")
        b.add(m, {"German": w, "English": en}, f"{top}::Adjectives", ["german", "adjective", "A1"])
        count += 1
    for n in range(1, 101):
        b.add(
            m,
            {"German": de_number(n), "English": f"{n} ({en_number(n)})"},
            f"{top}::Numbers",
            ["german", "numbers", "A1"],
        )
        count += 1
    assert count >= 300, count
    return b.export(top, "07_german_vocab_large.apkg")


# ---------------------------------------------------------------------------
# 08  US history  (Basic with lists/tables, Cloze; scheduling + suspended)
# ---------------------------------------------------------------------------


def deck_history() -> str:
    b = Builder()
    top = "History"
    b.deck(top)
    deck = f"{top}::United States"
    b.deck(deck, "AP US History review")
    b.media("map_13_colonies.png", diagram("13", w=300, h=220, seed=42))
    basics = [
        (
            "Revolution",
            "In what year was the Declaration of Independence adopted?",
            "<b>1776</b> (July 4)",
        ),
        ("Revolution", "Principal author of the Declaration of Independence?", "Thomas Jefferson"),
        (
            "Revolution",
            "Turning point of the Revolutionary War?",
            "Battle of <b>Saratoga</b> (1777) &mdash; convinced France to ally with the Americans",
        ),
        (
            "Revolution",
            '<img src="map_13_colonies.png"><br>Name the New England colonies.',
            "<ul><li>Massachusetts</li><li>New Hampshire</li><li>Connecticut</li><li>Rhode Island</li></ul>",
        ),
        (
            "Constitution",
            "What were the Articles of Confederation?",
            "The first constitution of the US (ratified 1781), replaced in 1789. Weak central government:"
            "<ul><li>no power to tax</li><li>no national executive</li><li>amendments required unanimity</li></ul>",
        ),
        (
            "Constitution",
            "The three branches of the federal government",
            "<table><tr><th>Branch</th><th>Body</th><th>Article</th></tr>"
            "<tr><td>Legislative</td><td>Congress</td><td>I</td></tr>"
            "<tr><td>Executive</td><td>President</td><td>II</td></tr>"
            "<tr><td>Judicial</td><td>Supreme Court</td><td>III</td></tr></table>",
        ),
        (
            "Constitution",
            "First three presidents (in order)",
            "<ol><li>George Washington (1789&ndash;1797)</li><li>John Adams (1797&ndash;1801)</li>"
            "<li>Thomas Jefferson (1801&ndash;1809)</li></ol>",
        ),
        (
            "Expansion",
            "Louisiana Purchase: year, seller, price",
            "1803, from France (Napoleon), ~$15 million",
        ),
        (
            "Expansion",
            "Missouri Compromise (1820)",
            "<div>Missouri admitted as a slave state, Maine as a free state.</div><div><br></div>"
            "<div>Slavery banned north of 36&deg;30&prime; in the Louisiana territory.</div>",
        ),
        ("Civil War", "Date of the attack on Fort Sumter", "April 12, 1861"),
        (
            "Civil War",
            "Emancipation Proclamation",
            "Issued <b>January 1, 1863</b> by Abraham Lincoln; freed slaves in Confederate-held territory.",
        ),
        (
            "Civil War",
            "Battle of Gettysburg: when and where?",
            "July 1&ndash;3, 1863 &mdash; Pennsylvania",
        ),
        (
            "Civil War",
            "The Reconstruction Amendments",
            "<table><tr><td>13th (1865)</td><td>abolished slavery</td></tr>"
            "<tr><td>14th (1868)</td><td>citizenship, equal protection</td></tr>"
            "<tr><td>15th (1870)</td><td>voting rights regardless of race</td></tr></table>",
        ),
        (
            "Civil War",
            'Who is this?<br><img src="lincoln_portrait.jpg">',
            "Abraham Lincoln, 16th president",
        ),  # missing
        ("20th Century", "When did the US enter World War I?", "April 1917"),
        (
            "20th Century",
            "The New Deal",
            "<div>FDR's programs, 1933&ndash;1939</div><div><br></div><div>The &quot;3 Rs&quot;: <b>R</b>elief, <b>R</b>ecovery, <b>R</b>eform</div>",
        ),
        ("20th Century", "Date of the attack on Pearl Harbor", "December 7, 1941"),
        (
            "20th Century",
            "<i>Brown v. Board of Education</i>",
            "1954; segregation in public schools is unconstitutional (overturned <i>Plessy v. Ferguson</i>, 1896)",
        ),
    ]
    for sub, f, bk in basics:
        b.add(
            "Basic",
            {"Front": f, "Back": bk},
            deck,
            [f"History::US::{sub.replace(' ', '_')}", "APUSH"],
        )
    clozes = [
        (
            "Revolution",
            "The {{c1::Boston Tea Party}} took place in {{c2::1773}} in protest of the {{c3::Tea Act}}.",
        ),
        (
            "Constitution",
            "The Constitution was signed on {{c1::September 17, 1787}} in {{c2::Philadelphia}}.",
        ),
        (
            "Constitution",
            "The first ten amendments are known as the {{c1::Bill of Rights}}, ratified in {{c2::1791}}.",
        ),
        (
            "Civil War",
            "The Civil War ended with Lee's surrender at {{c1::Appomattox Court House}} in {{c2::April 1865}}.",
        ),
        (
            "20th Century",
            "The {{c1::Marshall Plan}} provided economic aid to {{c2::Western Europe}} after WWII.",
        ),
        (
            "20th Century",
            "{{c1::Martin Luther King Jr.}} delivered the &quot;I Have a Dream&quot; speech in {{c2::1963::year}}.",
        ),
        (
            "20th Century",
            "The {{c1::Cuban Missile Crisis}} ({{c2::October 1962}}) was a 13-day standoff between {{c3::Kennedy}} and {{c3::Khrushchev}}.",
        ),
    ]
    for sub, text in clozes:
        b.add(
            "Cloze",
            {"Text": text, "Back Extra": ""},
            deck,
            [f"History::US::{sub.replace(' ', '_')}", "APUSH", "cloze"],
        )
    b.review_some(0.6, seed=8)
    nid = b.col.find_notes("Missouri")[0]
    n = b.col.get_note(nid)
    n.tags.append("leech")
    b.col.update_note(n)
    b.suspend_where(f"nid:{nid}")
    return b.export(top, "08_us_history_sched.apkg", scheduling=True)


# ---------------------------------------------------------------------------
# 09  Anatomy  (custom 6 fields, 3 templates, {{Deck}} {{Subdeck}} {{Card}}
#     {{Tags}} {{hint:}} {{text:}}, images, LEGACY)
# ---------------------------------------------------------------------------

ANAT_CSS = """.card {
  font-family: Georgia, serif;
  font-size: 20px;
  text-align: center;
  color: #222;
  background-color: #fffdf7;
}
img { max-width: 90%; max-height: 320px; }
.region { font-size: 14px; color: #8a6d3b; }
.structure { font-size: 26px; font-weight: bold; }
.footer { margin-top: 24px; font-size: 11px; color: #aaa; }
"""
ANAT_FOOTER = (
    '\n<div class="footer">{{Deck}} &middot; {{Subdeck}} &middot; {{Card}} &middot; {{Tags}}</div>'
)


def deck_anatomy() -> str:
    b = Builder()
    top = "Anatomy"
    b.deck(top, "Musculoskeletal anatomy of the limbs.")
    m = b.custom_model(
        "Anatomy Structure",
        ["Image", "Structure", "Region", "Innervation", "Action", "Notes"],
        [
            (
                "Identify",
                "{{#Image}}\n{{Image}}\n<div>Identify the highlighted structure.</div>\n"
                '{{#Region}}<div class="region">{{Region}}</div>{{/Region}}'
                + ANAT_FOOTER
                + "\n{{/Image}}",
                "{{FrontSide}}\n<hr id=answer>\n"
                '<div class="structure">{{Structure}}</div>\n'
                "{{#Notes}}<br>{{hint:Notes}}{{/Notes}}",
            ),
            # footer kept inside the conditionals: {{Deck}}/{{Card}} alone count as
            # non-empty for card generation and would create blank cards
            (
                "Innervation",
                "{{#Innervation}}What nerve innervates <b>{{text:Structure}}</b>?"
                + ANAT_FOOTER
                + "{{/Innervation}}",
                "{{FrontSide}}\n<hr id=answer>\n{{Innervation}}",
            ),
            (
                "Action",
                "{{#Action}}<!-- only for muscles -->\nAction of <b>{{Structure}}</b>?"
                + ANAT_FOOTER
                + "{{/Action}}",
                "{{FrontSide}}\n<hr id=answer>\n{{Action}}\n{{#Image}}<br>{{Image}}{{/Image}}",
            ),
        ],
        ANAT_CSS,
        sortf=1,
    )
    rows = [
        (
            "Upper Limb",
            "Deltoid",
            "Shoulder",
            "Axillary n. (C5&ndash;C6)",
            "Abduction of the arm (15&deg;&ndash;90&deg;)",
            "Injured in surgical-neck fractures of the humerus.",
            "img",
        ),
        (
            "Upper Limb",
            "Supraspinatus",
            "Shoulder (rotator cuff)",
            "Suprascapular n.",
            "Initiates abduction (0&deg;&ndash;15&deg;)",
            "Most commonly injured rotator cuff muscle.",
            "img",
        ),
        (
            "Upper Limb",
            "Infraspinatus",
            "Shoulder (rotator cuff)",
            "Suprascapular n.",
            "Lateral rotation of the arm",
            "",
            "img",
        ),
        (
            "Upper Limb",
            "Teres minor",
            "Shoulder (rotator cuff)",
            "Axillary n.",
            "Lateral rotation and adduction",
            "",
            "",
        ),
        (
            "Upper Limb",
            "Subscapularis",
            "Shoulder (rotator cuff)",
            "Upper and lower subscapular nn.",
            "Medial rotation of the arm",
            "Remember <b>SITS</b>.",
            "missing",
        ),
        (
            "Upper Limb",
            "Biceps brachii",
            "Arm, anterior compartment",
            "Musculocutaneous n.",
            "Flexion at the elbow; <u>supination</u> of the forearm",
            "",
            "img",
        ),
        (
            "Upper Limb",
            "Triceps brachii",
            "Arm, posterior compartment",
            "Radial n.",
            "Extension at the elbow",
            "",
            "img",
        ),
        (
            "Upper Limb",
            "Brachioradialis",
            "Forearm",
            "Radial n.",
            "Flexion at the elbow (mid-pronation)",
            "The &quot;beer-drinking muscle&quot;.",
            "",
        ),
        (
            "Upper Limb",
            "Pronator teres",
            "Forearm, anterior",
            "Median n.",
            "Pronation of the forearm",
            "",
            "missing",
        ),
        (
            "Upper Limb",
            "Flexor carpi ulnaris",
            "Forearm, anterior",
            "Ulnar n.",
            "Flexion and adduction at the wrist",
            "",
            "",
        ),
        (
            "Upper Limb",
            "Opponens pollicis",
            "Hand (thenar)",
            "Recurrent branch of the median n.",
            "Opposition of the thumb",
            "",
            "",
        ),
        (
            "Upper Limb",
            "Humerus",
            "Arm",
            "",
            "",
            "Surgical neck &rarr; axillary n.; midshaft &rarr; radial n.; medial epicondyle &rarr; ulnar n.",
            "img",
        ),
        (
            "Upper Limb",
            "Scaphoid",
            "Wrist",
            "",
            "",
            "Most commonly fractured carpal bone; risk of avascular necrosis.",
            "img",
        ),
        (
            "Lower Limb",
            "Gluteus maximus",
            "Gluteal region",
            "Inferior gluteal n.",
            "Extension and lateral rotation of the hip",
            "",
            "img",
        ),
        (
            "Lower Limb",
            "Gluteus medius",
            "Gluteal region",
            "Superior gluteal n.",
            "Abduction and medial rotation of the hip",
            "Weakness &rarr; Trendelenburg sign.",
            "img",
        ),
        (
            "Lower Limb",
            "Quadriceps femoris",
            "Thigh, anterior",
            "Femoral n.",
            "Extension of the knee",
            "",
            "",
        ),
        (
            "Lower Limb",
            "Sartorius",
            "Thigh, anterior",
            "Femoral n.",
            "Flexion, abduction and lateral rotation of the hip; flexion of the knee",
            "Longest muscle in the body.",
            "img",
        ),
        (
            "Lower Limb",
            "Biceps femoris",
            "Thigh, posterior",
            "Sciatic n. (tibial and common fibular divisions)",
            "Flexion of the knee; extension of the hip (long head)",
            "",
            "missing",
        ),
        (
            "Lower Limb",
            "Tibialis anterior",
            "Leg, anterior",
            "Deep fibular n.",
            "Dorsiflexion and inversion of the foot",
            "Weakness &rarr; foot drop.",
            "",
        ),
        (
            "Lower Limb",
            "Gastrocnemius",
            "Leg, posterior",
            "Tibial n.",
            "Plantarflexion; flexion of the knee",
            "",
            "img",
        ),
        ("Lower Limb", "Femur", "Thigh", "", "", "", "img"),
        ("Lower Limb", "Patella", "Knee", "", "", "Largest sesamoid bone.", "img"),
    ]
    for i, (sub, struct_, region, nerve, action, notes, img) in enumerate(rows):
        slug = struct_.lower().replace(" ", "_")
        image = ""
        if img == "img":
            image = f'<img src="{b.media(slug + ".png", diagram(str(i + 1), seed=200 + i))}">'
        elif img == "missing":
            image = f'<img src="{slug}.jpg">'
        kind = "bone" if not nerve else "muscle"
        tags = ["anatomy", kind, sub.lower().replace(" ", "_")]
        b.add(
            m,
            {
                "Image": image,
                "Structure": struct_,
                "Region": region,
                "Innervation": nerve,
                "Action": action,
                "Notes": notes,
            },
            f"{top}::{sub}",
            tags,
        )
    return b.export(top, "09_anatomy_limbs_legacy.apkg", legacy=True)


# ---------------------------------------------------------------------------
# 10  French  (Basic (type in the answer), custom typing type, cloze typing)
# ---------------------------------------------------------------------------


def deck_french() -> str:
    b = Builder()
    top = "Français"
    b.deck(top, "French vocabulary and verb conjugations &mdash; type the answer!")
    vocab = [
        ("the house", "la maison"),
        ("the car", "la voiture"),
        ("the book", "le livre"),
        ("the water", "l'eau"),
        ("the tree", "l'arbre"),
        ("the friend (female)", "l'amie"),
        ("the city", "la ville"),
        ("the bread", "le pain"),
        ("the cheese", "le fromage"),
        ("the morning", "le matin"),
        ("the week", "la semaine"),
        ("the window", "la fenêtre"),
    ]
    for en, fr in vocab:
        b.add(
            "Basic (type in the answer)",
            {"Front": en, "Back": fr},
            f"{top}::Vocabulaire",
            ["french", "vocab"],
        )
    conj = b.custom_model(
        "French Conjugation",
        ["Infinitive", "Tense", "Person", "Conjugation", "Hint", "English"],
        [
            (
                "Conjugate",
                '<div class="tense">{{Tense}}</div>\n'
                "<div><b>{{Person}}</b> ______ <i>({{Infinitive}})</i></div>\n"
                "{{#Hint}}<div>{{hint:Hint}}</div>{{/Hint}}\n"
                "{{type:Conjugation}}",
                '<div class="tense">{{Tense}}</div>\n'
                "<div><b>{{Person}}</b> ______ <i>({{Infinitive}})</i></div>\n"
                "<hr id=answer>\n"
                "{{type:Conjugation}}\n"
                '{{#English}}<div class="en">{{English}}</div>{{/English}}',
            )
        ],
        ".card { font-family: arial; font-size: 22px; text-align: center; }\n"
        ".tense { font-size: 14px; color: #777; text-transform: uppercase; letter-spacing: 1px; }\n"
        ".en { color: #555; font-style: italic; margin-top: 10px; }\n",
        sortf=3,
    )
    rows = [
        ("être", "présent", "nous", "sommes", "", "we are"),
        ("avoir", "présent", "ils", "ont", "", "they have"),
        ("aller", "présent", "je", "vais", "irregular", "I go"),
        ("faire", "présent", "vous", "faites", "not <i>faisez</i>!", "you do/make"),
        ("prendre", "présent", "elles", "prennent", "double n", "they take"),
        ("finir", "présent", "nous", "finissons", "-iss- stem", "we finish"),
        ("aller", "passé composé", "elle", "est allée", "auxiliary être + agreement", "she went"),
        ("manger", "passé composé", "j'", "ai mangé", "", "I ate"),
        ("venir", "passé composé", "nous", "sommes venus", "", "we came"),
        ("parler", "imparfait", "tu", "parlais", "", "you used to speak"),
        ("être", "imparfait", "il", "était", "only irregular imparfait stem", "he was"),
        ("avoir", "futur simple", "je", "aurai", "stem aur-", "I will have"),
        ("pouvoir", "futur simple", "tu", "pourras", "stem pourr-", "you will be able to"),
        ("voir", "futur simple", "nous", "verrons", "", ""),
    ]
    for inf, tense, person, form, hint, en in rows:
        b.add(
            conj,
            {
                "Infinitive": inf,
                "Tense": tense,
                "Person": person,
                "Conjugation": form,
                "Hint": hint,
                "English": en,
            },
            f"{top}::Verbes",
            ["french", "conjugation", tense.replace(" ", "_")],
        )
    clz = b.custom_model(
        "Cloze (type answer)",
        ["Text", "Translation"],
        [
            (
                "Cloze",
                "{{cloze:Text}}\n<br>\n{{type:cloze:Text}}",
                "{{cloze:Text}}\n<br>\n{{type:cloze:Text}}\n{{#Translation}}<hr><i>{{Translation}}</i>{{/Translation}}",
            )
        ],
        ".card { font-family: arial; font-size: 20px; text-align: center; }\n.cloze { font-weight: bold; color: blue; }\n",
        cloze=True,
    )
    sentences = [
        ("Je {{c1::suis}} allé au marché hier.", "I went to the market yesterday."),
        ("Nous {{c1::avons}} fini nos devoirs.", "We finished our homework."),
        ("Il faut que tu {{c1::fasses}} attention.", "You need to pay attention."),
        (
            "Quand j'étais petit, je {{c1::jouais}} au foot tous les jours. Maintenant je {{c2::joue}} au tennis.",
            "When I was little I played football every day. Now I play tennis.",
        ),
        (
            "Si j'avais le temps, je {{c1::voyagerais::conditionnel}} plus.",
            "If I had time, I would travel more.",
        ),
    ]
    for text, tr in sentences:
        b.add(clz, {"Text": text, "Translation": tr}, f"{top}::Phrases", ["french", "grammar"])
    return b.export(top, "10_french_typing.apkg")


# ---------------------------------------------------------------------------
# 11  Pharmacology  (custom 6 fields, 3 templates, HTML comments,
#     FrontSide without <hr id=answer>, empty fields -> fewer cards)
# ---------------------------------------------------------------------------


def deck_pharm() -> str:
    b = Builder()
    top = "Pharmacology"
    b.deck(top, "Top drugs by class. Cards: class, mechanism, adverse effects.")
    m = b.custom_model(
        "Pharm Drug-8f2c1",
        ["Drug", "Class", "Mechanism", "Indications", "Side Effects", "Image"],
        [
            (
                "Drug → Class",
                "<!-- Generic name on the front; brand names are in Indications -->\n"
                '<div class="drug">{{Drug}}</div>\n<div class="ask">Drug class?</div>',
                "{{FrontSide}}\n<br><br>\n"
                "<!-- no answer divider on this card -->\n"
                '<div class="answer">{{Class}}</div>\n'
                '{{#Indications}}<div class="small"><b>Used for:</b> {{Indications}}</div>{{/Indications}}\n'
                "{{#Image}}<div>{{Image}}</div>{{/Image}}",
            ),
            (
                "Mechanism",
                "{{#Mechanism}}\n"
                '<div class="drug">{{Drug}}</div>\n<div class="ask">Mechanism of action?</div>\n'
                "{{/Mechanism}}",
                "{{FrontSide}}\n\n<hr id=answer>\n\n"
                '<div class="answer">{{Mechanism}}</div>\n'
                "<!--\n  TODO: add receptor diagrams\n-->",
            ),
            (
                "Adverse Effects",
                "{{#Side Effects}}\n"
                '<div class="drug">{{Drug}}</div>\n<div class="ask">Key adverse effects?</div>\n'
                "{{/Side Effects}}",
                "{{FrontSide}}\n<hr id=answer>\n"
                '<div class="answer left">{{Side Effects}}</div>\n'
                '<div class="tags">{{Tags}}</div>',
            ),
        ],
        """.card {
  font-family: "Helvetica Neue", Arial, sans-serif;
  font-size: 20px;
  text-align: center;
  color: #222;
  background-color: #f7f9fc;
}
.drug { font-size: 30px; font-weight: 600; color: #14507d; }
.ask { color: #888; font-size: 15px; margin-top: 6px; }
.answer { margin-top: 10px; }
.left { text-align: left; display: inline-block; }
.small { font-size: 14px; color: #555; margin-top: 8px; }
.tags { font-size: 11px; color: #bbb; margin-top: 20px; }
""",
    )
    b.media("beta_receptor.png", diagram("β1", seed=77))
    b.media("paste-0d4f0c1e9b2a.png", diagram("Na", seed=78))
    drugs = [
        (
            "Cardiovascular",
            "Metoprolol",
            "&beta;<sub>1</sub>-selective blocker",
            "Competitive antagonist at &beta;<sub>1</sub> receptors &rarr; &darr;HR, &darr;contractility",
            "Hypertension, angina, post-MI, rate control in AF (Lopressor, Toprol-XL)",
            "<ul><li>Bradycardia</li><li>Fatigue</li><li>May mask hypoglycemia</li></ul>",
            '<img src="beta_receptor.png">',
        ),
        (
            "Cardiovascular",
            "Lisinopril",
            "ACE inhibitor",
            "Inhibits angiotensin-converting enzyme &rarr; &darr;angiotensin II, &uarr;bradykinin",
            "Hypertension, heart failure, diabetic nephropathy",
            "<ul><li>Dry cough</li><li>Hyperkalemia</li><li>Angioedema</li><li>Teratogenic</li></ul>",
            "",
        ),
        (
            "Cardiovascular",
            "Losartan",
            "Angiotensin II receptor blocker (ARB)",
            "Blocks AT<sub>1</sub> receptors",
            "Hypertension (when ACEi cough)",
            "Hyperkalemia; <b>no</b> cough",
            "",
        ),
        (
            "Cardiovascular",
            "Amlodipine",
            "Dihydropyridine calcium channel blocker",
            "Blocks L-type Ca<sup>2+</sup> channels in vascular smooth muscle",
            "Hypertension, angina",
            "Peripheral edema, flushing, headache",
            "",
        ),
        (
            "Cardiovascular",
            "Furosemide",
            "Loop diuretic",
            "Inhibits Na<sup>+</sup>/K<sup>+</sup>/2Cl<sup>&minus;</sup> cotransporter in the thick ascending limb",
            "Edema, acute pulmonary edema",
            "<b>OH DANG!</b> &mdash; Ototoxicity, Hypokalemia, Dehydration, Allergy (sulfa), Nephritis, Gout",
            '<img src="paste-0d4f0c1e9b2a.png">',
        ),
        (
            "Cardiovascular",
            "Atorvastatin",
            "Statin",
            "HMG-CoA reductase inhibitor",
            "Hyperlipidemia",
            "Myopathy, &uarr;LFTs",
            "",
        ),
        (
            "Cardiovascular",
            "Warfarin",
            "Vitamin K antagonist",
            "Inhibits vitamin K epoxide reductase &rarr; &darr;factors II, VII, IX, X",
            "AF, DVT/PE (chronic)",
            "Bleeding; teratogenic; skin necrosis. Monitor <b>INR</b>.",
            '<img src="warfarin_interactions.png">',
        ),  # missing
        ("Cardiovascular", "Digoxin", "Cardiac glycoside", "", "HF, AF rate control", "", ""),
        (
            "Antibiotics",
            "Amoxicillin",
            "Aminopenicillin (&beta;-lactam)",
            "Binds PBPs &rarr; inhibits peptidoglycan cross-linking",
            "Otitis media, strep pharyngitis, Lyme disease",
            "Hypersensitivity; rash with EBV",
            "",
        ),
        (
            "Antibiotics",
            "Vancomycin",
            "Glycopeptide",
            "Binds D-Ala-D-Ala terminus of cell-wall precursors",
            "MRSA, <i>C. difficile</i> (oral)",
            "<b>NOT</b> trouble-free: Nephrotoxicity, Ototoxicity, Thrombophlebitis, red man syndrome",
            "",
        ),
        (
            "Antibiotics",
            "Ciprofloxacin",
            "Fluoroquinolone",
            "Inhibits DNA gyrase (topoisomerase II) and topoisomerase IV",
            "UTI, <i>Pseudomonas</i>",
            "Tendon rupture, QT prolongation",
            "",
        ),
        (
            "Antibiotics",
            "Doxycycline",
            "Tetracycline",
            "Binds 30S subunit, blocks aminoacyl-tRNA attachment",
            "",
            "Teeth discoloration, photosensitivity",
            "",
        ),
        (
            "Antibiotics",
            "Azithromycin",
            "Macrolide",
            "Binds 50S subunit, blocks translocation",
            "Atypical pneumonia, chlamydia",
            "",
            "",
        ),
        (
            "Antibiotics",
            "Metronidazole",
            "Nitroimidazole",
            "Forms toxic free radicals that damage DNA",
            "Anaerobes, <i>Giardia</i>, <i>Trichomonas</i>, bacterial vaginosis",
            "Disulfiram-like reaction with alcohol; metallic taste",
            "",
        ),
        (
            "Antibiotics",
            "Gentamicin",
            "Aminoglycoside",
            "",
            "Severe gram-negative infections",
            "Nephrotoxicity, ototoxicity, neuromuscular blockade",
            "",
        ),
        (
            "CNS",
            "Sertraline",
            "SSRI",
            "Selective serotonin reuptake inhibitor",
            "Depression, anxiety, OCD, PTSD",
            "Sexual dysfunction, GI upset, serotonin syndrome (with MAOIs)",
            "",
        ),
        (
            "CNS",
            "Lorazepam",
            "Benzodiazepine",
            "&uarr;Frequency of GABA<sub>A</sub> Cl<sup>&minus;</sup> channel opening",
            "Anxiety, status epilepticus, alcohol withdrawal",
            "Sedation, dependence, respiratory depression with alcohol",
            "",
        ),
        (
            "CNS",
            "Haloperidol",
            "Typical (1st-gen) antipsychotic",
            "D<sub>2</sub> receptor antagonist",
            "Schizophrenia, acute agitation",
            "EPS, hyperprolactinemia, NMS, QT prolongation",
            "",
        ),
        (
            "CNS",
            "Lithium",
            "Mood stabilizer",
            "",
            "Bipolar disorder",
            "<b>LMNOP</b>: Movement (tremor), Nephrogenic DI, hypOthyroidism, Pregnancy (Ebstein anomaly)",
            "",
        ),
        (
            "CNS",
            "Levodopa/carbidopa",
            "Dopamine precursor + peripheral decarboxylase inhibitor",
            "L-DOPA crosses the BBB and is converted to dopamine; carbidopa blocks peripheral conversion",
            "Parkinson disease",
            "",
            "",
        ),
        (
            "CNS",
            "Phenytoin",
            "Anticonvulsant",
            "Blocks voltage-gated Na<sup>+</sup> channels",
            "Focal and tonic-clonic seizures",
            "Gingival hyperplasia, hirsutism, nystagmus, teratogenic",
            "",
        ),
        (
            "CNS",
            "Sumatriptan",
            "Triptan",
            "5-HT<sub>1B/1D</sub> agonist",
            "Acute migraine, cluster headache",
            "",
            "",
        ),
    ]
    for sub, drug, cls, mech, ind, se, img in drugs:
        b.add(
            m,
            {
                "Drug": drug,
                "Class": cls,
                "Mechanism": mech,
                "Indications": ind,
                "Side Effects": se,
                "Image": img,
            },
            f"{top}::{sub}",
            ["pharm", sub.lower(), "top200"] if sub != "CNS" else ["pharm", "CNS", "psych"],
        )
    return b.export(top, "11_pharmacology_multi_template.apkg")


# ---------------------------------------------------------------------------
# 12  Git & SQL  (Basic / reversed with code, tables, nbsp; custom CSS)
# ---------------------------------------------------------------------------


def deck_devtools() -> str:
    b = Builder()
    top = "Dev Tools"
    b.deck(top, "Git and SQL commands I keep forgetting.")
    b.restyle(
        "Basic",
        "\ncode, pre { font-family: Consolas, 'Courier New', monospace; background: #f0f0f0; "
        "padding: 1px 4px; border-radius: 3px; }\npre { text-align: left; padding: 8px; }\n"
        "table { border-collapse: collapse; margin: 0 auto; }\n"
        "td, th { border: 1px solid #aaa; padding: 3px 8px; }\n",
    )
    b.restyle(
        "Basic (and reversed card)",
        "\ncode { font-family: monospace; color: #c7254e; background: #f9f2f4; }\n",
    )
    git_rev = [
        ("Show the working tree status", "<code>git status</code>"),
        ("Stage all changes in the current directory", "<code>git add .</code>"),
        (
            "Create a new branch and switch to it",
            "<code>git switch -c &lt;branch&gt;</code><br>(older: <code>git checkout -b &lt;branch&gt;</code>)",
        ),
        ("Show compact one-line history", "<code>git log --oneline</code>"),
        ("Unstage a file (keep changes)", "<code>git restore --staged &lt;file&gt;</code>"),
        ("Discard local changes to a file", "<code>git restore &lt;file&gt;</code>"),
        ("Temporarily shelve uncommitted changes", "<code>git stash</code>"),
        ("Apply the most recent stash and drop it", "<code>git stash pop</code>"),
        ("Amend the last commit message", "<code>git commit --amend</code>"),
        ("List remote repositories with URLs", "<code>git remote -v</code>"),
    ]
    for f, bk in git_rev:
        b.add("Basic (and reversed card)", {"Front": f, "Back": bk}, f"{top}::Git", ["git", "cli"])
    git_basic = [
        (
            "Difference between <code>git fetch</code> and <code>git pull</code>?",
            "<code>fetch</code> downloads remote refs/objects only.<br><code>pull</code> = <code>fetch</code> + <code>merge</code> (or rebase with <code>--rebase</code>).",
        ),
        (
            "Undo the last commit but keep its changes staged",
            "<code>git reset --soft HEAD~1</code>",
        ),
        (
            "Interactive rebase of the last 3 commits",
            "<pre>git rebase -i HEAD~3</pre>Then mark commits with <code>pick</code>, <code>squash</code>, <code>fixup</code>, <code>reword</code>&nbsp;&hellip;",
        ),
        (
            "<code>git reset</code> modes",
            "<table><tr><th>mode</th><th>HEAD</th><th>index</th><th>working tree</th></tr>"
            "<tr><td>--soft</td><td>moved</td><td>kept</td><td>kept</td></tr>"
            "<tr><td>--mixed</td><td>moved</td><td>reset</td><td>kept</td></tr>"
            "<tr><td>--hard</td><td>moved</td><td>reset</td><td>reset</td></tr></table>",
        ),
        (
            "Find which commit introduced a bug (binary search)",
            "<pre>git bisect start\ngit bisect bad\ngit bisect good v1.2.0</pre>",
        ),
    ]
    for f, bk in git_basic:
        b.add("Basic", {"Front": f, "Back": bk}, f"{top}::Git", ["git"])
    sql = [
        (
            "Select the 5 most recent orders",
            code_pre("SELECT *\nFROM orders\nORDER BY created_at DESC\nLIMIT 5;"),
        ),
        (
            "Count customers per country, only countries with more than 10",
            code_pre(
                "SELECT country, COUNT(*) AS n\nFROM customers\nGROUP BY country\nHAVING COUNT(*) > 10;"
            ),
        ),
        (
            "<code>WHERE</code> vs <code>HAVING</code>",
            "<code>WHERE</code> filters rows <i>before</i> grouping;<br><code>HAVING</code> filters groups <i>after</i> aggregation.",
        ),
        (
            "Result of <code>INNER JOIN</code> vs <code>LEFT JOIN</code>",
            "<ul><li><b>INNER</b>: only rows with a match in both tables</li>"
            "<li><b>LEFT</b>: all rows from the left table, NULLs where no match on the right</li></ul>",
        ),
        (
            "Given <code>t(x)</code> = 1, 2, NULL &mdash; what does <code>SELECT COUNT(x), COUNT(*) FROM t</code> return?",
            "<table><tr><th>COUNT(x)</th><th>COUNT(*)</th></tr><tr><td>2</td><td>3</td></tr></table>"
            "<div>COUNT(column) ignores NULLs.</div>",
        ),
        (
            "Add a column <code>email</code> to <code>users</code>",
            code_pre("ALTER TABLE users\n    ADD COLUMN email VARCHAR(255);"),
        ),
        (
            "Rank employees by salary within each department",
            code_pre(
                "SELECT name, dept, salary,\n       RANK() OVER (PARTITION BY dept\n                    ORDER BY salary DESC) AS rnk\nFROM employees;"
            ),
        ),
        (
            "Common table expression syntax",
            code_br(
                "WITH recent AS (\n    SELECT * FROM orders\n    WHERE created_at > now() - interval '7 days'\n)\nSELECT count(*) FROM recent;"
            ),
        ),
        (
            "Check for NULL in a <code>WHERE</code> clause",
            "<code>WHERE col IS NULL</code> &nbsp;(<b>not</b> <code>= NULL</code>)",
        ),
        (
            "Delete duplicate rows keeping the lowest id (PostgreSQL)",
            code_pre("DELETE FROM t a\nUSING t b\nWHERE a.id > b.id\n  AND a.email = b.email;"),
        ),
        (
            "Which SQL statement category is <code>GRANT</code>?",
            "DCL &mdash; Data Control Language",
        ),
        (
            "Transaction isolation levels (weakest &rarr; strongest)",
            "<ol><li>Read uncommitted</li><li>Read committed</li><li>Repeatable read</li><li>Serializable</li></ol>",
        ),
    ]
    for f, bk in sql:
        b.add("Basic", {"Front": f, "Back": bk}, f"{top}::SQL", ["sql", "databases"])
    return b.export(top, "12_git_sql_commands.apkg")


# ---------------------------------------------------------------------------
# verification
# ---------------------------------------------------------------------------

BUILDERS = [
    deck_spanish,
    deck_capitals,
    deck_cardiology,
    deck_python,
    deck_japanese,
    deck_calculus,
    deck_german,
    deck_history,
    deck_anatomy,
    deck_french,
    deck_pharm,
    deck_devtools,
]


def write_decks(out: str) -> list[str]:
    """Write the twelve packages to the folder ``out``; their paths."""
    global OUT
    OUT = out
    os.makedirs(OUT, exist_ok=True)
    return [build() for build in BUILDERS]


if __name__ == "__main__":
    for written in write_decks(sys.argv[1]):
        print(written)
