"""Styles of the class apps (case player, class panel, presenter, class view), in one place.

Injected once per page as a ``<style>`` element inside an HTML widget, so they apply in Voilà and in
JupyterLab alike. When the suite's shared stylesheet is served with the template, these rules can
move there unchanged: they only address the ``triage-*`` classes the apps put on their widgets.
"""

from __future__ import annotations

import ipywidgets as w

CSS = """
/* widget text no smaller than the lesson text; controls grow with their labels */
.triage-app, .triage-app .widget-label, .triage-app .widget-html-content, .triage-app button,
.triage-app select, .triage-app input { font-size: 1rem; }
.triage-app .widget-html-content { line-height: 1.45; }
.triage-app .widget-label { width: auto; min-width: 0; max-width: none; white-space: normal; }
.triage-app .jupyter-button { height: auto; min-height: 44px; line-height: 1.3; padding: .4em .9em;
  white-space: normal; text-align: left; }
.triage-app .jupyter-button:focus-visible, .triage-app select:focus-visible, .triage-app input:focus-visible {
  outline: 3px solid #0b3d91; outline-offset: 2px; }
/* form fields: the label above its control, so nothing is squeezed at 390 px */
.triage-app .widget-dropdown, .triage-app .widget-text, .triage-app .widget-password {
  width: auto; max-width: 100%; height: auto; flex-direction: column; align-items: stretch; }
.triage-app .widget-dropdown > .widget-label, .triage-app .widget-text > .widget-label,
.triage-app .widget-password > .widget-label { line-height: 1.4; margin: 0 0 .15em 0; text-align: left; }
.triage-app .widget-dropdown > select, .triage-app .widget-text > input, .triage-app .widget-password > input {
  flex: 0 0 auto; max-width: 100%; width: 100%; height: auto; min-height: 40px; font-size: 1rem;
  box-sizing: border-box; }
.triage-app .widget-vbox > .jupyter-button, .triage-app.widget-vbox > .jupyter-button { align-self: flex-start; }
.triage-app .widget-html, .triage-app .widget-htmlmath { height: auto; }
.triage-app .widget-box, .triage-app .widget-vbox { max-width: 100%; overflow: visible; }
.triage-hint { color: #3d3d3d; font-size: .95em; }
.triage-problem { color: #7a1010; }
.triage-sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }

/* answer options: wrapped text keeps its radio circle or box and never overlaps the next option */
.triage-app .triage-options.widget-radio { flex-direction: column; align-items: flex-start; height: auto;
  width: 100%; }
.triage-app .triage-options .widget-radio-box { height: auto; width: 100%; }
.triage-app .triage-options .widget-radio-box label, .triage-app .widget-checkbox label {
  display: flex; align-items: flex-start; gap: .6em; height: auto; min-height: 44px; line-height: 1.4;
  white-space: normal; overflow: visible; margin: 0; padding: .35em 0; width: 100%; box-sizing: border-box;
  text-overflow: clip; }
.triage-app .triage-options .widget-radio-box input, .triage-app .widget-checkbox input {
  flex: 0 0 auto; order: -1; width: 1.25em; height: 1.25em; margin: .1em 0 0 0; float: none; }
.triage-app .triage-options .widget-radio-box label, .triage-app .widget-checkbox label span { font-size: 1rem; }
.triage-app .widget-checkbox { height: auto; width: 100%; }
.triage-question { border-top: 1px solid #c8c8c8; padding-top: .5em; margin-top: .5em; }
.triage-verdict-right { border-left: 4px solid #1b5e20; padding-left: .6em; }
.triage-verdict-wrong { border-left: 4px dashed #7a1010; padding-left: .6em; }

/* case player */
.triage-filters { display: flex; flex-wrap: wrap; gap: .5em 1em; align-items: flex-end; }
.triage-filters > .widget-dropdown { flex: 1 1 12em; }
.triage-filters > .triage-case-picker { flex: 3 1 20em; }
.triage-stage { border-left: 4px solid #0b3d91; padding-left: .8em; margin: .6em 0; }
.triage-overview-table, .triage-class-table, .triage-dist-table { border-collapse: collapse; }
.triage-overview-table th, .triage-overview-table td, .triage-class-table th, .triage-class-table td,
.triage-dist-table th, .triage-dist-table td { border: 1px solid #bdbdbd; padding: .25em .5em; text-align: left; }
.triage-overview-table caption, .triage-class-table caption, .triage-dist-table caption {
  text-align: left; font-weight: bold; }

/* class panel (students) */
.triage-poll-body { border: 2px solid #0b3d91; border-radius: 6px; padding: .5em .8em; margin: .5em 0;
  background: #f4f7fc; }
.triage-poll-title { margin: 0 0 .3em 0; }

/* poll chart (presenter, class view): every value is text; bars are decoration */
.triage-poll-chart { border-collapse: collapse; width: 100%; font-size: 1.1em; table-layout: fixed; }
.triage-poll-chart thead th:nth-child(1) { width: 45%; }
.triage-poll-chart thead th:nth-child(2) { width: 25%; }
.triage-poll-chart thead th:nth-child(3) { width: 30%; }
.triage-poll-chart th, .triage-poll-chart td { overflow-wrap: break-word; hyphens: auto; }
@media (max-width: 600px) {
  .triage-poll-chart { font-size: 1em; }
  .triage-poll-chart thead th:nth-child(1) { width: 52%; }
  .triage-poll-chart thead th:nth-child(2) { width: 16%; }
  .triage-poll-chart thead th:nth-child(3) { width: 32%; }
}
.triage-poll-chart caption { text-align: left; font-weight: bold; padding-bottom: .3em; }
.triage-poll-chart th, .triage-poll-chart td { padding: .3em .4em; vertical-align: middle; text-align: left;
  border-bottom: 1px solid #bdbdbd; }
.triage-poll-chart thead th { font-size: .8em; color: #3d3d3d; }
.triage-bar-track { display: block; background: #e6e6e6; height: 1.2em; border: 1px solid #767676; }
.triage-bar { display: block; height: 100%; background: #0b3d91; }
.triage-bar-correct .triage-bar { background: #1b5e20;
  background-image: repeating-linear-gradient(45deg, transparent 0 6px, rgba(255,255,255,.35) 6px 10px); }
.triage-bar-correct th, .triage-bar-correct td { font-weight: bold; }
.triage-correct-mark { color: #1b5e20; }
.triage-letter { display: inline-block; min-width: 1.4em; font-weight: bold; }
.triage-poll-count { font-weight: normal; }

/* presenter: projector mode */
.triage-presenter { font-size: 1.15rem; }
.triage-presenter .widget-html-content { font-size: 1.15rem; }
/* sticky needs every box between the toolbar and the page's scroller to let it out */
.jp-OutputArea:has(.triage-toolbar), .jp-OutputArea-child:has(.triage-toolbar),
.jp-OutputArea-output:has(.triage-toolbar), .triage-presenter, .triage-presenter .widget-box { overflow: visible; }
.triage-toolbar { position: sticky; top: 0; z-index: 10; background: #ffffff; border-bottom: 2px solid #0b3d91;
  padding: .4em 0; display: flex; flex-wrap: wrap; gap: .4em; align-items: center; }
.triage-toolbar .jupyter-button { flex: 0 1 auto; margin: 0; min-height: 40px; }
.triage-toolbar .triage-stage-label p { margin: 0 .4em 0 0; }
.triage-presenter-grid { display: flex; flex-wrap: wrap; gap: 1em 2em; align-items: flex-start; }
.triage-presenter-grid > * { flex: 1 1 26em; min-width: 0; }
.triage-keys kbd { border: 1px solid #767676; border-radius: 3px; padding: 0 .3em; background: #f4f4f4;
  font-family: inherit; font-weight: bold; }
.triage-presenter-options ol { list-style: none; padding-left: 0; }
.triage-presenter-options li { margin: .3em 0; }

/* class view */
.triage-scroll { overflow-x: auto; max-width: 100%; }
.triage-class-table td.triage-num { text-align: right; }
.triage-csv-link a, a.triage-csv-link { font-weight: bold; text-decoration: underline; }
"""


def style() -> w.HTML:
    """The class apps' stylesheet as a widget (display it once per app; repeats are harmless)."""
    box = w.HTML(f"<style>{CSS}</style>")
    box.add_class("triage-style")
    box.layout.display = "none"
    return box
