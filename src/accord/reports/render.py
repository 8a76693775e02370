"""The report as a document: one template (`reports/_document.html`) for the page and the PDF.

Figures come from the report as they are: exact seconds are turned into minutes by exact
division, instants are shown in the report's time zone with the zone named. WeasyPrint makes
the PDF from the same HTML with print CSS, fetching nothing: the plots are inline SVG, the
fonts are the system's.
"""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from accord.core.display import format_percent, format_span, format_when
from accord.engine.numbers import format_fraction
from accord.reports import plots, schema
from accord.reports.models import ReportVersion
from accord.reports.references import Reference, resolve

# Codes a report stores, in the words a customer reads.
IMPACTS = {
    "major_outage": gettext_lazy("Major outage"),
    "partial_outage": gettext_lazy("Partial outage"),
    "degraded": gettext_lazy("Degraded performance"),
}
SOURCES = {
    "probe": gettext_lazy("Accord's health checks"),
    "alertmanager": gettext_lazy("Prometheus Alertmanager"),
    "webhook": gettext_lazy("External monitor"),
    "incident": gettext_lazy("Incident declared by the vendor"),
    "ticket": gettext_lazy("Severity 1 ticket confirmed as a total outage"),
}
RULES = {
    "uptime_tier": gettext_lazy("Uptime credit"),
    "breach": gettext_lazy("Breached tickets"),
    "cap": pgettext_lazy("penalty statement", "Cap"),
}
DISPUTE_OUTCOMES = {
    "open": gettext_lazy("Open"),
    "agreed": gettext_lazy("Agreed"),
    "disputed": gettext_lazy("Disputed"),
    "settled": gettext_lazy("Settled at a meeting"),
    "restoration_disputed": gettext_lazy("Restoration disputed"),
    "restoration_contested": gettext_lazy("Restoration contested"),
}


def _subject(line: schema.StatementLine) -> str:
    if line.rule == "cap":
        return gettext("The whole statement")
    if line.rule == "breach" and line.subject.startswith("severity "):
        return gettext("Severity %(level)s") % {"level": line.subject.removeprefix("severity ")}
    return line.subject


def minutes(seconds: int | str) -> str:
    """Exact minutes with thousands separators: 2674800 -> "44,580", "150" -> "2.5"."""
    value = Fraction(seconds) / 60
    whole, _, part = format_fraction(value).partition(".")
    return f"{int(whole):,}" + (f".{part}" if part else "")


def when(iso: str | None, zone: str) -> str:
    if not iso:
        return "—"
    return format_when(datetime.fromisoformat(iso.replace("Z", "+00:00")), zone)


def span(start: str, end: str, zone: str) -> str:
    """An outage's start and end in one: "Mon 5 Oct 2026 10:03–10:58 PDT" within a day (and one
    zone abbreviation), both in full otherwise."""
    first, last = when(start, zone), when(end, zone)
    head, _, tail = first.rpartition(" ")  # "Mon 5 Oct 2026 10:03", "PDT"
    day, _, clock = head.rpartition(" ")
    if last.startswith(day + " ") and last.endswith(" " + tail):
        return f"{head}–{last[len(day) + 1 :]}"
    return f"{first} – {last}"


def reopened_note(line: schema.TicketLine, zone: str) -> str:
    """Where a ticket reopened after an earlier report comes from ("" for any other)."""
    if line.reopened_from is None:
        return ""
    return gettext(
        "reopened after the %(month)s report, which counted it met (reported %(reported)s)"
    ) % {"month": line.reopened_from, "reported": when(line.reported_at, zone)}


def money(amount: str | None, currency: str) -> str:
    if amount is None:
        return "—"
    return f"{Decimal(amount):,.2f} {currency}".replace("-", "−")


@dataclass(frozen=True)
class ModuleView:
    module: schema.ModuleUptime
    strip: SafeString
    outages: list[dict[str, Any]]


@dataclass(frozen=True)
class SeverityView:
    summary: schema.SeveritySummary
    median: str
    p90: str
    plot: SafeString | None


def _outage(line: schema.OutageLine, zone: str, names: dict[str, Reference]) -> dict[str, Any]:
    reference = names.get(line.reference) if line.reference else None
    return {
        "line": line,
        "when": span(line.start, line.end, zone)
        + (gettext(" (still going on)") if line.ongoing else ""),
        "counted": minutes(line.counted_seconds),
        "source": SOURCES.get(line.source, line.source_label),
        "impact": IMPACTS.get(line.impact, line.impact.replace("_", " ")),
        "reference": reference,
    }


def context(
    report: schema.Report,
    version: ReportVersion | None,
    names: dict[str, Reference] | None = None,
) -> dict[str, Any]:
    """What the document template shows; `names` are the outages' references resolved for
    the viewer (`references.resolve`), none when not given."""
    zone = report.period.timezone
    statement = report.statement
    names = names or {}
    modules = [
        ModuleView(
            module=m,
            strip=mark_safe(plots.uptime_strip(m)),  # noqa: S308 - built from escaped parts
            outages=[_outage(o, zone, names) for o in m.outages],
        )
        for m in report.uptime
    ]
    days = max((len(m.daily) for m in report.uptime), default=0)
    top = plots.scale_top(report.severities)
    severities = [
        SeverityView(
            summary=s,
            median=format_span(s.median_used_seconds),
            p90=format_span(s.p90_used_seconds),
            plot=mark_safe(plots.used_distribution(s, top))  # noqa: S308 - escaped parts
            if s.used_percent_of_target
            else None,
        )
        for s in report.severities
    ]
    breached = [
        {
            "line": t,
            "reported": when(t.reported_at, zone),
            "breached": when(t.breached_at, zone),
            "used": format_span(t.used_seconds),
            "target": format_span(t.target_seconds),
            "note": reopened_note(t, zone),
        }
        for t in report.breached_tickets
    ]
    lines = [
        {
            "line": line,
            "rule": RULES.get(line.rule, line.rule),
            "subject": _subject(line),
            "percent": "" if line.percent is None else format_percent(line.percent),
            "amount": money(line.amount, statement.currency),
        }
        for line in statement.lines
    ]
    return {
        "report": report,
        "version": version,
        "zone": zone,
        "cutoff": when(report.period.cutoff, zone),
        "period_minutes": f"{report.period.minutes:,}",
        "modules": modules,
        "day_axis": mark_safe(plots.day_axis(days)),  # noqa: S308 - built from numbers
        "percent_axis": mark_safe(plots.percent_axis(top)),  # noqa: S308 - built from numbers
        "any_plot": any(view.plot for view in severities),
        "modules_met": sum(1 for m in report.uptime if m.met),
        # The tickets the table of severities counts (a ticket with no severity has no row).
        "tickets_counted": sum(s.tickets for s in report.severities),
        "total_percent": format_percent(statement.total_percent),
        "disputes": [
            {"dispute": d, "outcome": DISPUTE_OUTCOMES.get(d.outcome, d.outcome)}
            for d in report.disputes
        ],
        "severities": severities,
        "breached": breached,
        "statement_lines": lines,
        "total_amount": money(statement.total_amount, statement.currency),
        "fee": money(statement.monthly_fee, statement.currency),
        "open_tickets": [t for t in report.tickets if t.outcome in ("open", "no_severity")],
        "reopened": [
            {"line": t, "note": reopened_note(t, zone), "used": format_span(t.used_seconds)}
            for t in report.tickets
            if t.reopened_from is not None
        ],
        "minutes": minutes,
    }


def report_html(
    report: schema.Report,
    version: ReportVersion | None,
    *,
    for_pdf: bool = False,
    staff: bool = False,
) -> str:
    """The document alone, its references linked where the viewer (`staff` or the customer's
    admin) may open them, or (`for_pdf`) a whole HTML page with its print stylesheet inlined:
    what `report_pdf` lays out, as a file to open in a browser."""
    if for_pdf:
        return _render("reports/pdf.html", report, version, inline_css=True)
    names = resolve(report, staff=staff, links=True)
    return _render("reports/_document.html", report, version, names=names)


def _render(
    template: str,
    report: schema.Report,
    version: ReportVersion | None,
    names: dict[str, Reference] | None = None,
    **extra: Any,
) -> str:
    if names is None:
        names = resolve(report, links=False)
    data = context(report, version, names)
    data["uptime_rows"] = [
        {
            "view": view,
            "period": minutes(view.module.period_seconds),
            "maintenance": minutes(view.module.maintenance_seconds),
            "eligible": minutes(view.module.eligible_seconds),
            "downtime": minutes(view.module.downtime_seconds),
            "uptime_percent": format_percent(view.module.uptime_percent),
            "target_percent": format_percent(view.module.target_percent),
        }
        for view in data["modules"]
    ]
    data.update(extra)
    return render_to_string(template, data)


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"a report fetches nothing; refused {url[:60]}")


PRINT_CSS = Path(__file__).parent / "templates" / "reports" / "print.css"


@cache
def _weasyprint() -> tuple[Any, Any, Any, Any]:
    """WeasyPrint's HTML class, the font configuration, the parsed print stylesheet and a URL
    fetcher that refuses every URL, made once per process and shared by every PDF it renders
    (imported when the first PDF is made: it loads Pango). Fonts are subset by HarfBuzz
    (libharfbuzz-subset, installed by scripts/install_system_deps.sh); without it WeasyPrint
    re-parses each font file with fontTools for every PDF, ~100 ms a font."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    class Refusing(URLFetcher):  # type: ignore[misc]
        """WeasyPrint 70 wants a URLFetcher (a plain function fails when it raises)."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            return _refuse(url)

    fetcher = Refusing(allowed_protocols=())
    fonts = FontConfiguration()
    stylesheet = CSS(string=PRINT_CSS.read_text(), font_config=fonts, url_fetcher=fetcher)
    return _report_html_class(HTML, CSS), fonts, stylesheet, fetcher


def _report_html_class(html_class: Any, css_class: Any) -> Any:
    """WeasyPrint's HTML class, changed in two ways that leave a report's PDF byte for byte
    the same (docs/performance.md, "Monthly reports"):

    - The document is parsed as XML (the templates write void elements as `<col/>`) with
      the standard library's expat, in C, instead of WeasyPrint's HTML5 parser, in Python:
      ~30 ms less a report. Anything that is not well-formed XML (a template change, an
      injected tag) goes to WeasyPrint's own parser, as before.
    - Its user-agent stylesheet less six rules that select a pseudo-element of every
      element: `::marker` (kept for `li`, the only element a report shows a marker for) and
      the footnote and note pseudo-elements (`::footnote-call`, ...; a report has none).
      WeasyPrint computes a style for each pseudo-element a rule matches: six for each of a
      report's ~700 elements, ~12% of its CPU. If the stylesheet WeasyPrint ships no longer
      has these rules as expected, its own is kept."""
    import xml.etree.ElementTree as ElementTree

    import cssselect2
    from weasyprint.html import UA

    text, dropped = re.subn(r"(?m)^::(?:footnote|note)-[\w-]+ \{[^}\n]*\}\n", "", UA)
    text, markers = re.subn(r"(?m)^::marker \{", "li::marker {", text)
    sheet = css_class(string=text, counter_style={}) if (dropped, markers) == (5, 1) else None

    class ReportHTML(html_class):  # type: ignore[misc,valid-type]
        parsed_as_xml = False

        def __init__(self, *, string: str, base_url: str | None, url_fetcher: Any) -> None:
            try:
                # Our own template's output, every value escaped by Django.
                root = ElementTree.fromstring(string)  # noqa: S314
            except ElementTree.ParseError:
                super().__init__(string=string, base_url=base_url, url_fetcher=url_fetcher)
                return
            # What WeasyPrint's HTML.__init__ sets, from the tree expat made (a report has no
            # <base>, so the base URL is the one given).
            self.parsed_as_xml = True
            self.base_url = base_url
            self.url_fetcher = url_fetcher
            self.media_type = "print"
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(
                root, content_language=None
            )
            self.etree_element = self.wrapper_element.etree_element

        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            if sheet is None or forms:  # a report has no form; WeasyPrint's own sheets
                return list(super()._ua_stylesheets(forms))
            return [sheet]

    ReportHTML.trimmed_user_agent_stylesheet = sheet is not None
    return ReportHTML


class _CollectorPause:
    """Python's cyclic garbage collector paused while WeasyPrint makes a PDF, and run once on
    the young objects afterwards. WeasyPrint allocates millions of objects for a report and
    keeps its boxes alive to the end, so the collector, run every 700 allocations, kept
    promoting them and scanning the older generations: 12.6% of a report's CPU in py-spy
    samples, 1.7% paused (docs/performance.md, "Monthly reports"). The pause lasts one
    report (a few MB of garbage held at most); threads rendering at once share it, and the
    collector is left off if something else had turned it off."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.renders = 0
        self.paused = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self.lock:
            self.renders += 1
            if self.renders == 1 and gc.isenabled():
                gc.disable()
                self.paused = True
        try:
            yield
        finally:
            with self.lock:
                self.renders -= 1
                resume = self.renders == 0 and self.paused
                if resume:
                    self.paused = False
                    gc.enable()
            if resume:
                gc.collect(0)


_collector_paused = _CollectorPause()


def report_pdf(report: schema.Report, version: ReportVersion | None) -> bytes:
    """The report's PDF in the active language, named as Accord names it ("en", not the
    "en-us" a process with none active would print), so the same report is the same bytes."""
    html_class, fonts, stylesheet, fetcher = _weasyprint()
    language = translation.get_supported_language_variant(translation.get_language() or "en")
    with translation.override(language):
        html = _render("reports/pdf.html", report, version, inline_css=False)
    with _collector_paused():
        document = html_class(string=html, base_url=None, url_fetcher=fetcher)
        pdf: bytes = document.write_pdf(stylesheets=[stylesheet], font_config=fonts)
    return pdf
