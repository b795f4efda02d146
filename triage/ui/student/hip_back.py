"""Hip and back map: choose where it hurts; the figure marks it and the list says what may be behind it.

The figure is an SVG (front and back views) whose ``<title>`` and ``<desc>`` are its alt text. The
chosen site is unmistakable without colour: it is hatched, outlined in a heavy line and pointed at
by arrows, and every other site stays plain.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ...domain.knowledge import PainSiteInfo, knowledge
from ...domain.model import PainSite
from ..common import esc, guide_ref_html
from ..context import AppContext
from ..fallback import mimebundle
from ..frame import app_frame

NOTEBOOK = "01_hip_and_back.ipynb"
FRONT, BACK = 95, 265  # x of each figure's midline in a 360 x 450 drawing


def _figure(cx: int) -> str:
    """A simple standing figure centred on ``cx`` (head, torso and pelvis, arms, legs)."""
    return (
        f'<g transform="translate({cx} 0)">'
        '<ellipse cx="0" cy="34" rx="19" ry="23"/>'
        '<path d="M-9,54 h18 v14 h-18 z"/>'
        '<path d="M-44,74 Q0,62 44,74 L40,148 Q37,172 44,200 L-44,200 Q-37,172 -40,148 Z"/>'
        '<path d="M-44,76 L-60,148 L-64,216 L-53,218 L-48,152 L-37,110 Z"/>'
        '<path d="M44,76 L60,148 L64,216 L53,218 L48,152 L37,110 Z"/>'
        '<path d="M-44,198 L-40,300 L-37,404 L-13,404 L-9,300 L-3,214 L3,214 L9,300 L13,404 L37,404 L40,300'
        ' L44,198 Z"/>'
        "</g>"
    )


def _mirror(shape: str, cx: int) -> str:
    return f'<g transform="translate({cx} 0)">{shape}</g><g transform="translate({cx} 0) scale(-1 1)">{shape}</g>'


# each site: shapes on the figures, and arrows (x1, y1, x2, y2) that point at them from outside
REGIONS: dict[PainSite, tuple[str, tuple[tuple[int, int, int, int], ...]]] = {
    PainSite.LOWER_BACK: (
        f'<rect x="{BACK - 30}" y="138" width="60" height="44" rx="10"/>',
        ((BACK + 80, 140, BACK + 34, 158),),
    ),
    PainSite.BUTTOCK: (
        _mirror('<ellipse cx="-20" cy="208" rx="19" ry="17"/>', BACK),
        ((BACK + 82, 232, BACK + 40, 214),),
    ),
    PainSite.HIP: (
        _mirror('<ellipse cx="-40" cy="194" rx="13" ry="17"/>', FRONT),
        ((FRONT - 82, 176, FRONT - 55, 190), (FRONT + 82, 176, FRONT + 55, 190)),
    ),
    PainSite.GROIN: (
        _mirror('<path d="M-26,196 Q-14,206 -3,214 L-9,232 Q-22,220 -32,206 Z"/>', FRONT),
        ((FRONT - 80, 244, FRONT - 24, 220),),
    ),
    PainSite.THIGH: (
        _mirror('<rect x="-38" y="236" width="26" height="62" rx="12"/>', FRONT)
        + _mirror('<rect x="-38" y="236" width="26" height="62" rx="12"/>', BACK),
        ((FRONT - 82, 268, FRONT - 42, 268), (BACK + 82, 268, BACK + 42, 268)),
    ),
    PainSite.LEG: (
        _mirror('<rect x="-36" y="316" width="22" height="80" rx="10"/>', FRONT)
        + _mirror('<rect x="-36" y="316" width="22" height="80" rx="10"/>', BACK),
        ((FRONT - 82, 356, FRONT - 40, 356), (BACK + 82, 356, BACK + 40, 356)),
    ),
    PainSite.KNEE: (
        _mirror('<ellipse cx="-25" cy="307" rx="15" ry="11"/>', FRONT),
        ((FRONT - 82, 307, FRONT - 44, 307), (FRONT + 82, 307, FRONT + 44, 307)),
    ),
}
INK, SKIN, OUTLINE, MARK = "#1a1a1a", "#f3ece6", "#5a5a5a", "#9b1c1c"


def site_info() -> dict[PainSite, PainSiteInfo]:
    """Pain site -> structures that may cause pain there (``knowledge/pain_sites.yaml``)."""
    return {s.id: s for s in knowledge().pain_sites}


def body_svg(selected: PainSite) -> str:
    """Front and back figures with ``selected`` hatched, outlined and pointed at; title and desc give the alt text."""
    info = site_info()[selected]
    shapes, arrows = REGIONS[selected]
    alt = (f"Two outline figures of a standing person, seen from the front and from the back. The "
           f"{info.label.lower()} is marked with a hatched, heavily outlined patch and arrows point at it. "
           f"Possible sources of pain there: {'; '.join(info.structures)}.")
    arrow_lines = "".join(
        f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{INK}" stroke-width="3" '
        f'marker-end="url(#hb-head)"/>'
        for x1, y1, x2, y2 in arrows
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 450" role="img" '
        'aria-labelledby="hb-title hb-desc">'
        f'<title id="hb-title">Where it hurts: {esc(info.label)}</title><desc id="hb-desc">{esc(alt)}</desc>'
        '<defs><pattern id="hb-hatch" width="7" height="7" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="7" height="7" fill="#f6d6d3"/><line x1="0" y1="0" x2="0" y2="7" stroke="{MARK}" '
        'stroke-width="4"/></pattern>'
        '<marker id="hb-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" '
        f'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker></defs>'
        f'<g fill="{SKIN}" stroke="{OUTLINE}" stroke-width="2" stroke-linejoin="round">'
        f"{_figure(FRONT)}{_figure(BACK)}</g>"
        f'<g fill="url(#hb-hatch)" stroke="{INK}" stroke-width="3.5" class="hb-selected" '
        f'data-site="{selected.value}">{shapes}</g>{arrow_lines}'
        f'<text x="{FRONT}" y="434" text-anchor="middle" font-size="17" fill="{INK}">Front</text>'
        f'<text x="{BACK}" y="434" text-anchor="middle" font-size="17" fill="{INK}">Back</text>'
        "</svg>"
    )


class HipBackMap:
    """Buttons for each pain site, the marked body figure, and what may be behind the pain."""

    def __init__(self, context: AppContext | None = None, notebook: str = NOTEBOOK) -> None:
        info = site_info()
        self.site = w.ToggleButtons(
            options=[(info[s].label, s.value) for s in PainSite],
            value=PainSite.LOWER_BACK.value,
            tooltips=[f"Show the {info[s].label.lower()}" for s in PainSite],
        )
        self.site.add_class("triage-site-picker")
        self.picture = w.HTML()
        self.picture.add_class("triage-body-map")
        self.picture.add_class("triage-figure")
        self.details = w.HTML()
        self.details.add_class("triage-structures")
        self.details.add_class("triage-live")
        self.site.observe(lambda change: self.draw(), names="value")
        columns = w.Box([self.picture, self.details])
        columns.add_class("triage-columns")
        self.frame = app_frame(context, notebook, w.HTML("<h3>Where does it hurt?</h3>"), self.site, columns,
                               css_class="triage-hip-back")
        self.widget = self.frame.widget
        self.draw()

    def draw(self) -> None:
        site = PainSite(self.site.value)
        info = site_info()[site]
        self.picture.value = body_svg(site)
        items = "".join(f"<li>{esc(s)}</li>" for s in info.structures)
        self.details.value = (f"<h4>{esc(info.label)}: what may be behind it</h4><ul>{items}</ul>"
                              f"{guide_ref_html(info.guide_section)}")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self.widget, **kwargs)
