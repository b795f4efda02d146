"""Hip and back map: choose where it hurts; the picture highlights it and lists possible sources."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import ipywidgets as w

from ..errors import KnowledgeError, Problem
from ..knowledge import HERE, knowledge
from ..model import PainSite
from ..sources import load_document
from .common import esc, notice

# simple front-and-back silhouette; each region is a shape drawn on top
REGIONS = {
    PainSite.LOWER_BACK: '<rect x="205" y="120" width="70" height="45" rx="8"/>',
    PainSite.BUTTOCK: '<ellipse cx="222" cy="190" rx="20" ry="18"/><ellipse cx="258" cy="190" rx="20" ry="18"/>',
    PainSite.HIP: '<circle cx="45" cy="180" r="16"/><circle cx="125" cy="180" r="16"/>',
    PainSite.GROIN: '<path d="M70,190 L100,190 L85,215 z"/>',
    PainSite.THIGH: (
        '<rect x="52" y="215" width="28" height="70" rx="10"/><rect x="90" y="215" width="28" height="70" rx="10"/>'
    ),
    PainSite.LEG: (
        '<rect x="55" y="300" width="24" height="80" rx="10"/><rect x="91" y="300" width="24" height="80" rx="10"/>'
    ),
}
SILHOUETTE = (
    '<g fill="#eeeeee" stroke="#555555" stroke-width="1.5">'
    '<circle cx="85" cy="30" r="22"/><rect x="45" y="55" width="80" height="125" rx="20"/>'
    '<rect x="48" y="175" width="34" height="210" rx="14"/><rect x="88" y="175" width="34" height="210" rx="14"/>'
    '<circle cx="240" cy="30" r="22"/><rect x="200" y="55" width="80" height="125" rx="20"/>'
    '<rect x="203" y="175" width="34" height="210" rx="14"/><rect x="243" y="175" width="34" height="210" rx="14"/>'
    "</g>"
    '<text x="85" y="400" text-anchor="middle" font-size="13" fill="#1a1a1a">front</text>'
    '<text x="240" y="400" text-anchor="middle" font-size="13" fill="#1a1a1a">back</text>'
)


@dataclass(frozen=True)
class SiteInfo:
    id: PainSite
    label: str
    structures: tuple[str, ...]
    guide_section: str


@cache
def site_info() -> dict[PainSite, SiteInfo]:
    """Pain site -> structures that may cause pain there (knowledge/pain_sites.yaml)."""
    path = HERE / "pain_sites.yaml"
    doc = load_document(path, KnowledgeError)
    out = {}
    for i, item in enumerate(doc.data or []):
        try:
            out[PainSite(item["id"])] = SiteInfo(PainSite(item["id"]), item["label"], tuple(item["structures"]),
                                                 item["guide_section"])
        except (KeyError, TypeError, ValueError) as exc:
            raise KnowledgeError(Problem(f"[{i}]", f"bad entry ({exc})", str(path), doc.line_of(f"[{i}]"))) from None
    return out


def body_svg(selected: PainSite) -> str:
    """The silhouette with ``selected`` highlighted; title and desc give the alt text."""
    info = site_info()[selected]
    alt = (f"Body outline seen from the front and the back with the {info.label.lower()} highlighted. "
           f"Possible sources of pain there: {'; '.join(info.structures)}.")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 410" width="320" role="img" '
        'aria-labelledby="hb-title hb-desc">'
        f'<title id="hb-title">Where it hurts: {esc(info.label)}</title><desc id="hb-desc">{esc(alt)}</desc>'
        f'{SILHOUETTE}<g fill="#c0392b" fill-opacity="0.75" stroke="#7a1010">{REGIONS[selected]}</g></svg>'
    )


class HipBackMap:
    """Buttons for each pain site, the highlighted body map, and what may be behind the pain."""

    def __init__(self) -> None:
        info = site_info()
        self.site = w.ToggleButtons(
            options=[(info[s].label, s.value) for s in PainSite],
            value=PainSite.LOWER_BACK.value,
            tooltips=[f"Show {info[s].label.lower()}" for s in PainSite],
        )
        self.site.add_class("triage-site-picker")
        self.picture = w.HTML()
        self.picture.add_class("triage-body-map")
        self.details = w.HTML()
        self.details.add_class("triage-structures")
        self.site.observe(lambda change: self.draw(), names="value")
        self.widget = w.VBox([notice(), w.HTML("<p><strong>Where does it hurt?</strong></p>"), self.site,
                              w.HBox([self.picture, self.details])])
        self.widget.add_class("triage-hip-back")
        self.draw()

    def draw(self) -> None:
        site = PainSite(self.site.value)
        info = site_info()[site]
        self.picture.value = body_svg(site)
        items = "".join(f"<li>{esc(s)}</li>" for s in info.structures)
        section = knowledge().section(info.guide_section).title
        self.details.value = (f"<h4>{esc(info.label)}: what may be behind it</h4><ul>{items}</ul>"
                              f"<p><em>Guide section: {esc(section)}</em></p>")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
