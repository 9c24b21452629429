"""Static SVG charts (hand-written SVG through autoescaped templates; no JavaScript).

Each function computes the geometry and renders a template of `templates/charts/`, so unit names and
every other text in a chart are escaped like the rest of the report.
"""
from __future__ import annotations

from jinja2 import Environment
from markupsafe import Markup

from reports import fmt

LABEL_WIDTH = 190
WIDTH = 680


def _short(text: str, limit: int = 27) -> str:
    """At most `limit` characters (27 fit LABEL_WIDTH at 11 px), with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def predikat_bars(env: Environment, rows: list[tuple[str, dict[str, int] | None, bool]], lang: str = "id",
                  title: str = "") -> Markup:
    """Stacked 100 % bars of predikat counts; rows are (label, counts or None when hidden, bold)."""
    bar, gap = 18, 8
    plot = WIDTH - LABEL_WIDTH - 10
    out = []
    for i, (name, counts, bold) in enumerate(rows):
        y = 6 + i * (bar + gap)
        total = sum(counts.values()) if counts else 0
        segments, x = [], float(LABEL_WIDTH)
        if counts and total:
            for code in fmt.PREDIKAT_CODES:
                n = counts.get(code, 0)
                if not n:
                    continue
                w = plot * n / total
                segments.append({"x": round(x, 2), "w": round(w, 2), "colour": fmt.PREDIKAT_COLOURS[code],
                                 "ink": "#ffffff" if code in ("sangat_baik", "sangat_kurang") else "#1f2a37",
                                 "text": str(n), "title": f"{fmt.label(code, lang)}: {n}"})
                x += w
        empty = fmt.label("suppressed", lang) if counts is None else fmt.label("not_available", lang)
        out.append({"y": y, "label": _short(name), "segments": segments, "bold": bold, "empty_text": empty})
    legend_y = 6 + len(rows) * (bar + gap) + 4
    legend, x, line = [], LABEL_WIDTH, 0
    for code in fmt.PREDIKAT_CODES:
        text = fmt.label(code, lang)
        needed = 24 + 6.5 * len(text)
        if x + needed > WIDTH and x > LABEL_WIDTH:
            x, line = LABEL_WIDTH, line + 1
        legend.append({"x": x, "y": legend_y + 16 * line, "colour": fmt.PREDIKAT_COLOURS[code], "label": text})
        x += needed
    return Markup(env.get_template("charts/predikat_bars.svg.j2").render(
        width=WIDTH, height=legend_y + 16 * line + 18, rows=out, bar_height=bar, label_width=LABEL_WIDTH, plot_width=plot,
        legend=legend, legend_y=legend_y, title=title))


def attendance_line(env: Environment, trend: list[tuple[str, float | None]], lang: str = "id",
                    title: str = "") -> Markup:
    """Monthly attendance rate (percent) as a line."""
    height, left, right, top, bottom = 220, 48, 20, 22, 26
    values = [v * 100 for _, v in trend if v is not None]
    # Five round ticks ending at 100 %: a step of 1, 2, 5, 10 or 25 points that fits the lowest value.
    lowest = min(values) if values else 0.0
    step = next((s for s in (1, 2, 5, 10, 25) if 100 - 4 * s <= lowest - 0.5), 25)
    low, high = 100.0 - 4 * step, 100.0
    span = high - low
    plot_h = height - top - bottom
    n = max(1, len(trend))
    step = (WIDTH - left - right) / n

    def ypos(v: float) -> float:
        return round(top + plot_h * (1 - (v - low) / span), 2)

    points, xlabels = [], []
    for i, (month, rate) in enumerate(trend):
        x = round(left + step * (i + 0.5), 2)
        month_text = fmt.month_label(month, lang)
        xlabels.append({"x": x, "text": month_text.split(" ")[0][:3] + " " + month_text.split(" ")[-1][-2:]})
        if rate is not None:
            points.append({"x": x, "y": ypos(rate * 100), "text": fmt.num(rate * 100, lang, 1),
                           "title": f"{month_text}: {fmt.pct(rate, lang)}"})
    ticks = []
    for k in range(5):
        v = low + span * k / 4
        ticks.append({"y": ypos(v), "text": fmt.integer(v, lang) + "%"})
    path = " ".join(f"{p['x']},{p['y']}" for p in points) if len(points) > 1 else ""
    return Markup(env.get_template("charts/line.svg.j2").render(
        width=WIDTH, height=height, left=left, right=right, yticks=ticks, points=points, path=path,
        xlabels=xlabels, title=title))


def ikm_bars(env: Environment, rows: list[dict], lang: str = "id", title: str = "") -> Markup:
    """IKM (0–100) per unit; rows: label, ikm or None, responses, insufficient (bool)."""
    bar, gap = 16, 8
    plot = WIDTH - LABEL_WIDTH - 90
    out = []
    for i, r in enumerate(rows):
        y = 6 + i * (bar + gap)
        if r["ikm"] is None:
            out.append({"y": y, "label": _short(r["label"]), "w": None, "text": fmt.label("not_available", lang)})
            continue
        text = f"{fmt.num(r['ikm'], lang)} ({r['grade'] or '–'}, n={fmt.integer(r['responses'], lang)})"
        out.append({"y": y, "label": _short(r["label"]), "w": round(plot * min(100.0, r["ikm"]) / 100, 2),
                    "colour": "#1d4e89", "faint": r["insufficient"], "text": text,
                    "title": text + (f" – {fmt.label('insufficient_sample', lang)}" if r["insufficient"] else "")})
    height = 6 + len(rows) * (bar + gap) + 22
    ticks = [{"x": round(LABEL_WIDTH + plot * v / 100, 2), "text": str(v)} for v in (0, 25, 50, 75, 100)]
    return Markup(env.get_template("charts/hbars.svg.j2").render(
        width=WIDTH, height=height, rows=out, bar_height=bar, label_width=LABEL_WIDTH, xticks=ticks, title=title))
