"""Print a report page, the HTML of this package's own templates, to an A4 PDF with ReportLab.

Why not a browser-grade engine: WeasyPrint spent about 2 s of CPU on a 10-page unit report, over 200
CPU-seconds of a 15,000-employee annual run for the 121 unit and city PDFs (docs/performance.md). The
pages come from our own templates, a small fixed vocabulary: the header band, headings, paragraphs, KPI
tiles, callouts, tables, lists, the SVG charts of `reports.charts`, a signature block and the footer. This
module walks that vocabulary and lays it out with ReportLab's table engine, about 20 times faster, and
prints the same words and numbers as the HTML page (tests compare them). One layout is kept, the
templates: a new element there is printed as plain paragraphs until it is taught here.

Table columns are sized the way a browser sizes an automatic table (each column between its longest word
and its longest line, the slack shared in proportion) and text wraps inside its column.
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from html.parser import HTMLParser
from pathlib import Path

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (CondPageBreak, Flowable, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate,
                                Spacer, Table, TableStyle)

# --- look: the print rules of static/report.css, in points (1 CSS px = 0.75 pt) ----------------------

PX = 0.75
INK, MUTED, LINE, BAND, BRAND = "#1f2a37", "#5b6572", "#d9dee4", "#f5f7f9", "#1d4e89"
BASE_SIZE = 10.5 * PX      # html { font-size: 10.5px }
TABLE_SIZE = 9 * PX        # table { font-size: 9px }
WIDE_TABLE_SIZE = 8 * PX   # table.wide { font-size: 8px }
MUTED_RATIO = 0.92         # td .muted { font-size: 0.92em }
CELL_PAD_X, CELL_PAD_Y = 4 * PX, 3 * PX
MARGINS = dict(topMargin=16 * mm, leftMargin=14 * mm, rightMargin=14 * mm, bottomMargin=18 * mm)
PREDIKAT_INK = {"p-sangat_baik": ("#11664a", True), "p-baik": ("#2f7d45", False),
                "p-butuh_perbaikan": ("#8a6410", False), "p-kurang": ("#a4511b", False),
                "p-sangat_kurang": ("#b91c1c", True), "p-belum_dinilai": (MUTED, False)}
BADGE_INK = {"warn": "#b45309", "bad": "#b91c1c", "ok": "#1b7f5b", "pub": "#1b7f5b", "new": "#b45309"}
CALLOUT = {"": ("#f1d9a7", "#fff8eb"), "bad": ("#f3c1c1", "#fdf1f1"), "info": ("#c9daf0", "#f2f7fd")}
ROW_FILL = {"total": "#eef2f7", "new": "#fff4e5"}
ZEBRA = "#fafbfc"

# --- fonts ------------------------------------------------------------------------------------------

FONT_FILES = {  # DejaVu Sans covers Indonesian names and the report's typographic signs (– · − ≥ …)
    "regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf",  # Debian's fonts-dejavu-core
    "italic": "DejaVuSans-Oblique.ttf", "bolditalic": "DejaVuSans-BoldOblique.ttf",  # fonts-dejavu-extra
    "mono": "DejaVuSansMono.ttf"}
FONT_FALLBACK = {"italic": "regular", "bolditalic": "bold", "mono": "regular"}  # when only core is there
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts",
             "/Library/Fonts", os.path.expanduser("~/.fonts"))


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    italic: str
    bolditalic: str
    mono: str

    def pick(self, bold: bool = False, italic: bool = False) -> str:
        return (self.bolditalic if italic else self.bold) if bold else (self.italic if italic else self.regular)


def _font_file(name: str) -> str | None:
    for folder in filter(None, (os.environ.get("KINERJA_FONT_DIR"), *FONT_DIRS)):
        path = Path(folder) / name
        if path.is_file():
            return str(path)
    try:  # fontconfig knows where the distribution put it
        found = subprocess.run(["fc-match", "-f", "%{file}", name.rsplit(".", 1)[0]], capture_output=True,
                               text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return found if found.endswith(name) and Path(found).is_file() else None


@lru_cache(maxsize=1)
def fonts() -> Fonts:
    """DejaVu Sans when the system has it (at least fonts-dejavu-core), else the PDF core fonts, which
    print Latin-1 only."""
    files = {style: _font_file(name) for style, name in FONT_FILES.items()}
    if not (files["regular"] and files["bold"]):
        return Fonts("Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique", "Courier")
    names = {}
    for style in FONT_FILES:
        path = files[style] or files[FONT_FALLBACK[style]]
        name = f"Kinerja-{style}"
        pdfmetrics.registerFont(TTFont(name, path))
        names[style] = name
    pdfmetrics.registerFontFamily(names["regular"], normal=names["regular"], bold=names["bold"],
                                  italic=names["italic"], boldItalic=names["bolditalic"])
    return Fonts(**names)


# --- a light tree of the page -------------------------------------------------------------------------

VOID = {"meta", "br", "img", "link", "input", "hr", "col"}


@dataclass
class Node:
    tag: str
    attrs: dict = field(default_factory=dict)
    children: list = field(default_factory=list)  # Node or str

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find(self, tag: str) -> "Node | None":
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag:
                    return child
                found = child.find(tag)
                if found is not None:
                    return found
        return None

    def elements(self, *tags: str) -> list["Node"]:
        return [c for c in self.children if isinstance(c, Node) and (not tags or c.tag in tags)]

    def text(self) -> str:
        """The node's words, whitespace collapsed, `<br>` kept as a line break, `<title>` left out."""
        parts: list[str] = []
        _collect(self, parts)
        return "\n".join(" ".join(line.split()) for line in "".join(parts).split("\n"))


def _collect(node: Node, parts: list[str]) -> None:
    for child in node.children:
        if isinstance(child, str):
            parts.append(child)
        elif child.tag == "br":
            parts.append("\n")
        elif child.tag not in ("title", "style"):
            if child.tag == "div" and parts:
                parts.append("\n")
            _collect(child, parts)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):  # tolerate an unclosed child
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


# --- inline text -> ReportLab paragraph markup --------------------------------------------------------

_SPACE = re.compile(r"\s+")


def _markup(node: Node, size: float = TABLE_SIZE, pre: bool = False) -> str:
    """Paragraph markup of a node's inline content: bold, italics, colours of predikat and badges; a
    `div.muted` inside it (a table cell's second line) is set smaller than `size`, the cell's text.
    With `pre` (white-space: pre-wrap, a comment) line breaks are kept."""
    out: list[str] = []
    for child in node.children:
        if isinstance(child, str):
            if pre:
                out.append("<br/>".join(escape(_SPACE.sub(" ", line), quote=False) for line in child.split("\n")))
            else:
                out.append(escape(_SPACE.sub(" ", child), quote=False))
            continue
        tag, cls = child.tag, child.classes
        inner = _markup(child, size, pre)
        if tag in ("title", "style", "svg"):
            continue
        if tag == "br":
            out.append("<br/>")
        elif tag in ("strong", "b"):
            out.append(f"<b>{inner}</b>")
        elif tag in ("em", "i"):
            out.append(f"<i>{inner}</i>")
        elif tag == "div":
            look = f' size="{size * MUTED_RATIO:.2f}" color="{MUTED}"' if "muted" in cls else ""
            out.append(f"<br/><font{look}>{inner}</font>" if out else f"<font{look}>{inner}</font>")
        elif cls & PREDIKAT_INK.keys():
            ink, bold = PREDIKAT_INK[next(iter(cls & PREDIKAT_INK.keys()))]
            body = f'<font color="{ink}">{inner}</font>'
            out.append(f"<b>{body}</b>" if bold else (f"<i>{body}</i>" if "p-belum_dinilai" in cls else body))
        elif "badge" in cls:
            ink = next((BADGE_INK[c] for c in cls if c in BADGE_INK), INK)
            out.append(f'<font color="{ink}"><b>{inner}</b></font>')
        elif "muted" in cls:
            out.append(f'<font color="{MUTED}">{inner}</font>')
        else:
            out.append(inner)
    return "".join(out).strip()


# --- styles ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _styles() -> dict[str, ParagraphStyle]:
    f = fonts()
    base = ParagraphStyle("base", fontName=f.regular, fontSize=BASE_SIZE, leading=BASE_SIZE * 1.45,
                          textColor=colors.HexColor(INK), spaceBefore=4.5, spaceAfter=7.5)
    s = {"base": base,
         "lead": ParagraphStyle("lead", base, fontSize=15 * PX, leading=15 * PX * 1.4),
         "note": ParagraphStyle("note", base, fontSize=12 * PX, leading=12 * PX * 1.4,
                                textColor=colors.HexColor(MUTED)),
         "h1": ParagraphStyle("h1", base, fontName=f.bold, fontSize=23 * PX, leading=23 * PX * 1.2,
                              textColor=colors.white, spaceBefore=0, spaceAfter=3),
         "h2": ParagraphStyle("h2", base, fontName=f.bold, fontSize=18 * PX, leading=18 * PX * 1.25,
                              textColor=colors.HexColor(BRAND), spaceBefore=16, spaceAfter=2),
         "h3": ParagraphStyle("h3", base, fontName=f.bold, fontSize=15 * PX, leading=15 * PX * 1.3,
                              spaceBefore=11, spaceAfter=5),
         "band_small": ParagraphStyle("band_small", base, fontSize=11 * PX, leading=11 * PX * 1.4,
                                      textColor=colors.white, spaceBefore=0, spaceAfter=2),
         "band_period": ParagraphStyle("band_period", base, fontSize=17 * PX, leading=17 * PX * 1.3,
                                       textColor=colors.white, spaceBefore=0, spaceAfter=4),
         "kpi_v": ParagraphStyle("kpi_v", base, fontName=f.bold, fontSize=16 * PX, leading=16 * PX * 1.3,
                                 spaceBefore=0, spaceAfter=1),
         "kpi_k": ParagraphStyle("kpi_k", base, fontSize=12 * PX, leading=12 * PX * 1.3,
                                 textColor=colors.HexColor(MUTED), spaceBefore=0, spaceAfter=0),
         "cell": ParagraphStyle("cell", base, fontSize=TABLE_SIZE, leading=TABLE_SIZE * 1.3, spaceBefore=0,
                                spaceAfter=0),
         "mono": ParagraphStyle("mono", base, fontName=f.mono, fontSize=12.5 * PX,
                                leading=12.5 * PX * 1.35),
         "footer": ParagraphStyle("footer", base, fontSize=11.5 * PX, leading=11.5 * PX * 1.35,
                                  textColor=colors.HexColor(MUTED), spaceBefore=14)}
    return s


def _para(node: Node, style: str) -> Paragraph | None:
    markup = _markup(node)
    return Paragraph(markup, _styles()[style]) if markup else None


# --- tables ---------------------------------------------------------------------------------------------

@dataclass
class _Cell:
    text: str               # plain text, '\n' between lines
    markup: str | None      # paragraph markup when the cell is more than one plain run of text
    header: bool
    numeric: bool
    centre: bool
    span: int
    ink: str | None = None
    bold: bool = False
    italic: bool = False


def _cell(node: Node, header: bool, size: float) -> _Cell:
    cls = node.classes
    inline = [c for c in node.children if isinstance(c, Node) and c.tag not in ("a",)]
    ink, bold, italic, markup = None, header, False, None
    if len(inline) == 1 and inline[0].classes & PREDIKAT_INK.keys() and not inline[0].elements():
        ink, bold = PREDIKAT_INK[next(iter(inline[0].classes & PREDIKAT_INK.keys()))]
        italic = "p-belum_dinilai" in inline[0].classes
    elif any(c.tag == "div" or c.classes & {"badge", "muted"} | PREDIKAT_INK.keys() or c.tag in ("strong", "b")
             for c in inline):
        markup = _markup(node, size)
    return _Cell(node.text().strip(), markup, header, bool(cls & {"n"}), bool(cls & {"c"}),
                 int(node.attrs.get("colspan") or 1), ink, bold, italic)


def _widths(rows: list[list[_Cell]], ncols: int, avail: float, size: float) -> list[float]:
    """Automatic table layout: each column between its longest word (min) and its longest line (max);
    a table fits when the maxima do, else every column gets its minimum plus a share of the slack."""
    f = fonts()
    lo, hi = [0.0] * ncols, [0.0] * ncols
    for row in rows:
        col = 0
        for cell in row:
            if cell.span == 1 and col < ncols:
                font = f.pick(cell.bold or cell.markup is not None)  # markup may hold a bold badge
                lines = cell.text.split("\n") or [""]
                width = max(pdfmetrics.stringWidth(line, font, size) for line in lines)
                words = cell.text.split()
                word = max((pdfmetrics.stringWidth(w, font, size) for w in words), default=0.0)
                hi[col] = max(hi[col], width)
                lo[col] = max(lo[col], word)
            col += cell.span
    pad = 2 * CELL_PAD_X + 1
    lo = [w + pad for w in lo]
    hi = [w + pad for w in hi]
    if sum(hi) <= avail:  # width: 100 %: spread the room over the columns by their content
        extra = avail - sum(hi)
        total = sum(hi) or 1.0
        return [w + extra * w / total for w in hi]
    if sum(lo) >= avail:
        return [w * avail / sum(lo) for w in lo]
    slack, want = avail - sum(lo), sum(h - l for l, h in zip(lo, hi)) or 1.0
    return [l + slack * (h - l) / want for l, h in zip(lo, hi)]


def _table(node: Node, avail: float) -> Table | None:
    wide = "wide" in node.classes
    size = WIDE_TABLE_SIZE if wide else TABLE_SIZE
    f = fonts()
    rows: list[list[_Cell]] = []
    kinds: list[str] = []  # "head", "body", "total", "new"
    for section in node.elements("thead", "tbody", "tr"):
        trs = [section] if section.tag == "tr" else section.elements("tr")
        for tr in trs:
            cells = [_cell(td, section.tag == "thead" or td.tag == "th", size) for td in tr.elements("td", "th")]
            if not cells:
                continue
            rows.append(cells)
            kind = "head" if section.tag == "thead" else next((k for k in ("total", "new") if k in tr.classes), "body")
            kinds.append(kind)
            if kind == "total":
                for c in cells:
                    c.bold = True
    if not rows:
        return None
    ncols = max(sum(c.span for c in r) for r in rows)
    widths = _widths(rows, ncols, avail, size)
    cell_style = ParagraphStyle("c", _styles()["cell"], fontSize=size, leading=size * 1.3)
    data, style = [], [
        ("FONT", (0, 0), (-1, -1), f.regular, size, size * 1.3),
        ("TEXTCOLOR", (0, 0), (-1, -1), colors.HexColor(INK)),
        ("GRID", (0, 0), (-1, -1), 0.75, colors.HexColor(LINE)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD_X), ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD_X),
        ("TOPPADDING", (0, 0), (-1, -1), CELL_PAD_Y), ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PAD_Y + 1),
    ]
    body_index = 0
    for y, (cells, kind) in enumerate(zip(rows, kinds)):
        line, col = [], 0
        if kind == "body":
            body_index += 1
            if body_index % 2 == 0:
                style.append(("BACKGROUND", (0, y), (-1, y), colors.HexColor(ZEBRA)))
        elif kind in ROW_FILL:
            style.append(("BACKGROUND", (0, y), (-1, y), colors.HexColor(ROW_FILL[kind])))
        for cell in cells:
            width = sum(widths[col:col + cell.span]) - 2 * CELL_PAD_X
            font = f.pick(cell.bold, cell.italic)
            if cell.markup is not None:
                markup = f"<b>{cell.markup}</b>" if cell.bold else cell.markup
                content = Paragraph(markup, ParagraphStyle("x", cell_style, alignment=TA_RIGHT if cell.numeric
                                                           else (TA_CENTER if cell.centre else TA_LEFT)))
            else:
                content = "\n".join(wrapped for line_text in cell.text.split("\n")
                                    for wrapped in (simpleSplit(line_text, font, size, width) or [""]))
            line.append(content)
            line.extend([""] * (cell.span - 1))
            end = col + cell.span - 1
            if cell.span > 1:
                style.append(("SPAN", (col, y), (end, y)))
            if cell.header:
                style.append(("BACKGROUND", (col, y), (end, y), colors.HexColor(BAND)))
            if cell.bold or cell.italic:
                style.append(("FONT", (col, y), (end, y), font, size, size * 1.3))
            if cell.ink:
                style.append(("TEXTCOLOR", (col, y), (end, y), colors.HexColor(cell.ink)))
            if cell.numeric:
                style.append(("ALIGN", (col, y), (end, y), "RIGHT"))
            elif cell.centre:
                style.append(("ALIGN", (col, y), (end, y), "CENTER"))
            col += cell.span
        line.extend([""] * (ncols - col))
        data.append(line)
    table = Table(data, colWidths=widths, repeatRows=1 if kinds[0] == "head" else 0, hAlign="LEFT",
                  spaceBefore=6, spaceAfter=10)
    table.setStyle(TableStyle(style))
    return table


# --- blocks -------------------------------------------------------------------------------------------

def _boxed(content: list, border: str, fill: str, avail: float, left_rule: str | None = None) -> Table:
    box = Table([[content]], colWidths=[avail], hAlign="LEFT", spaceBefore=6, spaceAfter=8)
    style = [("BOX", (0, 0), (-1, -1), 0.75, colors.HexColor(border)),
             ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(fill)),
             ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8),
             ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]
    if left_rule:
        style.append(("LINEBEFORE", (0, 0), (0, -1), 3, colors.HexColor(left_rule)))
    box.setStyle(TableStyle(style))
    return box


def _header(node: Node, avail: float) -> Table:
    s = _styles()
    content = []
    for child in node.elements():
        if child.tag == "h1":
            content.append(_para(child, "h1"))
        elif "org" in child.classes:
            content.append(Paragraph(escape(child.text().upper()), s["band_small"]))
        elif "period" in child.classes:
            content.append(_para(child, "band_period"))
        else:
            content.append(Paragraph(escape(child.text()), s["band_small"]))
    band = Table([[[c for c in content if c is not None]]], colWidths=[avail], hAlign="LEFT", spaceAfter=4)
    band.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(BRAND)),
                              ("LEFTPADDING", (0, 0), (-1, -1), 13.5), ("RIGHTPADDING", (0, 0), (-1, -1), 13.5),
                              ("TOPPADDING", (0, 0), (-1, -1), 10), ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    return band


def _kpis(node: Node, avail: float) -> Table | None:
    s = _styles()
    tiles = []
    for kpi in node.elements("div"):
        parts = kpi.elements("div")
        value = next((p for p in parts if "v" in p.classes), None)
        key = next((p for p in parts if "k" in p.classes), None)
        tiles.append([Paragraph(_markup(value) if value else "", s["kpi_v"]),
                      Paragraph(_markup(key) if key else "", s["kpi_k"])])
    if not tiles:
        return None
    per_row = 3 if len(tiles) > 4 else len(tiles)
    grid = [tiles[i:i + per_row] for i in range(0, len(tiles), per_row)]
    grid[-1] += [""] * (per_row - len(grid[-1]))
    table = Table(grid, colWidths=[avail / per_row] * per_row, hAlign="LEFT", spaceBefore=6, spaceAfter=6)
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 8),
             ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]
    for y, row in enumerate(grid):
        for x, tile in enumerate(row):
            if tile:
                style += [("BOX", (x, y), (x, y), 0.75, colors.HexColor(LINE)),
                          ("LINEBEFORE", (x, y), (x, y), 3, colors.HexColor(BRAND)),
                          ("BACKGROUND", (x, y), (x, y), colors.HexColor("#fbfcfd"))]
    table.setStyle(TableStyle(style))
    return table


def _signature(node: Node, avail: float) -> Flowable:
    s = _styles()
    lines = []
    for p in node.elements():
        if "space" in p.classes:
            lines.append(Spacer(1, 52))
        else:
            para = _para(p, "base")
            if para is not None:
                lines.append(para)
    width = 225.0
    block = Table([[lines]], colWidths=[width], hAlign="RIGHT", spaceBefore=30)
    block.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([block])


# --- SVG charts -----------------------------------------------------------------------------------------

def _colour(value: str | None):
    if not value or value == "none":
        return None
    return colors.HexColor(value) if value.startswith("#") else colors.toColor(value)


def _num(value: str | None, default: float = 0.0) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        return default


def _extent(el: Node, size: float) -> tuple[float, float]:
    """Top and bottom of a chart element, in the SVG's units."""
    a = el.attrs
    if el.tag == "rect":
        return _num(a.get("y")), _num(a.get("y")) + _num(a.get("height"))
    if el.tag == "line":
        return sorted((_num(a.get("y1")), _num(a.get("y2"))))
    if el.tag == "circle":
        return _num(a.get("cy")) - _num(a.get("r")), _num(a.get("cy")) + _num(a.get("r"))
    if el.tag == "polyline":
        ys = [_num(p.partition(",")[2]) for p in a.get("points", "").split()] or [0.0]
        return min(ys), max(ys)
    return _num(a.get("y")) - size, _num(a.get("y")) + size * 0.3  # text: its baseline is y


class _Chart(Flowable):
    """One chart of the subset of SVG that reports/templates/charts writes (rect, line, circle, polyline,
    text), scaled to the frame's width. A chart taller than the room left (bars of 120 units) splits
    between its rows; grid lines that run its full height are drawn in every part, clipped to it."""

    def __init__(self, node: Node, avail: float, band: tuple[float, float] | None = None, parts=None) -> None:
        super().__init__()
        self.node, self.avail = node, avail
        self.svg_width = _num(node.attrs.get("width"), 680)
        self.svg_height = _num(node.attrs.get("height"), 200)
        self.scale = min(1.0, avail / self.svg_width) if self.svg_width else 1.0
        self.font_size = _num(node.attrs.get("font-size"), 11)
        if parts is None:
            elements = [el for el in node.elements() if el.tag in ("rect", "line", "circle", "polyline", "text")]
            extents = [_extent(el, self.font_size) for el in elements]
            parts = [(el, ext, ext[1] - ext[0] > self.svg_height / 2) for el, ext in zip(elements, extents)]
        self.parts = parts
        self.band = band or (0.0, self.svg_height)
        self.hAlign = "LEFT"

    def wrap(self, *_):
        start, end = self.band
        return self.svg_width * self.scale, (end - start) * self.scale

    def split(self, avail_width, avail_height):
        start, end = self.band
        limit = start + avail_height / self.scale
        if limit >= end:
            return [self]
        rows = [ext for _, ext, bg in self.parts if not bg and start <= ext[0] < end]
        cuts = [top for top, _ in rows if start < top <= limit and not any(a < top < b for a, b in rows)]
        if not cuts:
            return []  # nothing fits here: the whole chart moves to the next page
        cut = max(cuts)
        return [_Chart(self.node, self.avail, (start, cut), self.parts),
                _Chart(self.node, self.avail, (cut, end), self.parts)]

    def draw(self):
        f, scale, (start, end) = fonts(), self.scale, self.band
        drawing = Drawing(self.svg_width * scale, (end - start) * scale)

        def y(v: float) -> float:
            return (end - min(max(v, start), end)) * scale

        for el, (top, _), bg in self.parts:
            if not bg and not start <= top < end:  # each element is drawn in the part where it begins
                continue
            a = el.attrs
            if el.tag == "rect":
                h = _num(a.get("height")) * scale
                dash = [float(v) * scale for v in a["stroke-dasharray"].split()] if a.get("stroke-dasharray") else None
                drawing.add(Rect(_num(a.get("x")) * scale, y(_num(a.get("y"))) - h, _num(a.get("width")) * scale, h,
                                 fillColor=_colour(a.get("fill", "#000000")), strokeColor=_colour(a.get("stroke")),
                                 strokeWidth=0.75, fillOpacity=_num(a.get("fill-opacity"), 1.0),
                                 strokeDashArray=dash))
            elif el.tag == "line":
                drawing.add(Line(_num(a.get("x1")) * scale, y(_num(a.get("y1"))), _num(a.get("x2")) * scale,
                                 y(_num(a.get("y2"))), strokeColor=_colour(a.get("stroke", "#000000")),
                                 strokeWidth=0.75))
            elif el.tag == "circle":
                drawing.add(Circle(_num(a.get("cx")) * scale, y(_num(a.get("cy"))), _num(a.get("r")) * scale,
                                   fillColor=_colour(a.get("fill", "#000000")), strokeColor=None))
            elif el.tag == "polyline":
                points = []
                for pair in a.get("points", "").split():
                    px, _, py = pair.partition(",")
                    points += [_num(px) * scale, y(_num(py))]
                if len(points) >= 4:
                    drawing.add(PolyLine(points, strokeColor=_colour(a.get("stroke", "#000000")),
                                         strokeWidth=_num(a.get("stroke-width"), 1) * scale))
            elif el.tag == "text":
                anchor = {"middle": "middle", "end": "end"}.get(a.get("text-anchor", ""), "start")
                drawing.add(String(_num(a.get("x")) * scale, y(_num(a.get("y"))), el.text(), textAnchor=anchor,
                                   fontName=f.pick(a.get("font-weight") == "bold", a.get("font-style") == "italic"),
                                   fontSize=self.font_size * scale, fillColor=_colour(a.get("fill", INK))))
        drawing.drawOn(self.canv, 0, 0)


# --- the walk -------------------------------------------------------------------------------------------

def _blocks(node: Node, avail: float, out: list) -> None:
    loose: list = []  # inline content met directly in a block container

    def flush():
        if loose:
            markup = _markup(Node("p", children=list(loose)))
            if markup:
                out.append(Paragraph(markup, _styles()["base"]))
            loose.clear()

    for child in node.children:
        if isinstance(child, str):
            if child.strip():
                loose.append(child)
            continue
        tag, cls = child.tag, child.classes
        if tag in ("head", "nav", "title", "style", "script", "meta"):
            continue
        if tag in ("span", "a", "strong", "b", "em", "i", "br"):
            loose.append(child)
            continue
        flush()
        if tag == "header":
            out.append(_header(child, avail))
        elif tag in ("h1", "h2", "h3"):
            para = _para(child, tag if tag != "h1" else "h2")
            if para is not None:
                out.append(CondPageBreak(60))
                out.append(para)
                if tag == "h2":
                    out.append(_Rule(avail))
        elif tag == "p":
            style = "lead" if "lead" in cls else ("note" if cls & {"note", "muted"} else "base")
            para = _para(child, style)
            if para is not None:
                out.append(para)
        elif tag == "table":
            table = _table(child, avail)
            if table is not None:
                out.append(table)
        elif tag == "svg":
            out.append(_Chart(child, avail))
        elif tag == "ul":
            for li in child.elements("li"):
                markup = _markup(li)
                if markup:
                    out.append(Paragraph(markup, ParagraphStyle("li", _styles()["base"], leftIndent=12,
                                                                bulletIndent=2, spaceBefore=0, spaceAfter=3),
                                         bulletText="•"))
        elif tag == "div" and "kpis" in cls:
            table = _kpis(child, avail)
            if table is not None:
                out.append(table)
        elif tag == "div" and "callout" in cls:
            border, fill = CALLOUT[next((c for c in ("bad", "info") if c in cls), "")]
            out.append(_boxed([Paragraph(_markup(child), _styles()["base"])], border, fill, avail))
        elif tag == "div" and "formula" in cls:
            out.append(_boxed([Paragraph(_markup(child), _styles()["mono"])], LINE, BAND, avail))
        elif tag == "blockquote":
            out.append(_boxed([Paragraph(_markup(child, pre=True), _styles()["base"])],
                              "#f6f8fb", "#f6f8fb", avail, left_rule="#9fb4cf"))
        elif tag == "div" and "signature" in cls:
            out.append(_signature(child, avail))
        elif tag == "footer":
            para = _para(child, "footer")
            if para is not None:
                out.append(_Rule(avail, LINE, 0.75))
                out.append(para)
        elif tag == "section" and "doc" in cls and any(isinstance(f, _DocStart) for f in out):
            out.append(PageBreak())
            out.append(_DocStart())
            _blocks(child, avail, out)
        elif tag == "section" and "doc" in cls:
            out.append(_DocStart())
            _blocks(child, avail, out)
        else:
            _blocks(child, avail, out)
    flush()


class _DocStart(Flowable):
    """Marks where a document of a multi-document page begins (each starts on a new page)."""

    def wrap(self, *_):
        return 0, 0

    def draw(self):
        pass


class _Rule(Flowable):
    def __init__(self, width: float, colour: str = BRAND, thickness: float = 1.5) -> None:
        super().__init__()
        self.width, self.colour, self.thickness = width, colour, thickness

    def wrap(self, *_):
        return self.width, self.thickness + 4

    def draw(self):
        self.canv.setStrokeColor(colors.HexColor(self.colour))
        self.canv.setLineWidth(self.thickness)
        self.canv.line(0, 2, self.width, 2)


class _NumberedCanvas(rl_canvas.Canvas):
    """Writes "page / pages" at the bottom right once the number of pages is known."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            label = f"{self._pageNumber} / {total}"
            size = 9 * PX
            # The font is set inside the text object: text extractors (pdftotext) drop text whose font
            # was set in an earlier one, although viewers draw it.
            number = self.beginText(A4[0] - MARGINS["rightMargin"] - pdfmetrics.stringWidth(
                label, fonts().regular, size), MARGINS["bottomMargin"] / 2)
            number.setFont(fonts().regular, size)
            number.setFillColor(colors.HexColor(MUTED))
            number.textOut(label)
            self.drawText(number)
            super().showPage()
        super().save()


def write_pdf(html: str, path: Path) -> Path:
    """Print one report page (the HTML of a `reports/templates` page) to `path` as A4."""
    root = parse(html)
    title_node = root.find("title")
    doc = SimpleDocTemplate(str(path), pagesize=A4, title=title_node.text() if title_node else "",
                            author="Kinerja", creator="Kinerja", **MARGINS)
    story: list = []
    body = root.find("body") or root
    # A frame pads its content by 6 pt on every side.
    _blocks(body, doc.width - 12, story)
    doc.build(story, canvasmaker=_NumberedCanvas)
    return path

