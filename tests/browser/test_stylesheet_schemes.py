"""The stylesheet's colours follow the page's Jupyter theme or, on a page with no Jupyter theme, the reader's
system setting; each scheme keeps every pair readable.

The browser tests draw every coloured part of the apps (the notice, messages, the four verdict boxes, hints
and problems, buttons in each state, marked drill answers, a locked answer, the poll box, tables, links,
and the page's connection notice and poll bar) with
the suite's HTML helpers and ipywidgets' class names, on a page styled only by the stylesheet (and, for a
Jupyter page, the theme's two variables the stylesheet reads), and run axe's colour-contrast rule on it.
"""

from __future__ import annotations

import pytest

from triage import assess
from triage.store.identity import Learner
from triage.ui.common import verdict_html, waiting_html
from triage.ui.frame import lab_who_html, notice_html, stylesheet

pytestmark = pytest.mark.browser

def gallery() -> str:
    emergency = assess({"pain_sites": ["lower_back"], "duration_weeks": 1,
                        "symptoms": ["new_bowel_or_bladder_incontinence"]})
    urgent = assess({"pain_sites": ["lower_back"], "duration_weeks": 1, "symptoms": ["fever"]})
    routine = assess({"pain_sites": ["lower_back"], "duration_weeks": 1})
    return f"""
    <div class="triage-app jupyter-widgets">
      {notice_html()}
      {lab_who_html(Learner("os:ada", "ada", "os"))}
      <p class="triage-message">The class store cannot be reached; your answers are not being saved.</p>
      <h3>Where does it hurt?</h3>
      <p>Lesson text with <a href="#a">a link</a> and <span class="triage-muted">a muted remark</span>.</p>
      <div class="triage-verdict">{verdict_html(emergency)}</div>
      {verdict_html(urgent)}{verdict_html(routine)}{waiting_html("No result yet: tick a place.")}
      <p class="triage-problem">Conservative care cannot last longer than the pain.</p>
      <p class="triage-hint">Conservative care can last at most as long as the pain.</p>
      <button class="jupyter-button">Choose another case</button>
      <button class="jupyter-button triage-primary">Check answer</button>
      <button class="jupyter-button" disabled>Next scenario</button>
      <button class="jupyter-button triage-right" disabled>✓ Urgent: the right answer</button>
      <button class="jupyter-button triage-wrong" disabled>✗ Routine: your answer</button>
      <div class="widget-toggle-buttons"><div><button class="widget-toggle-button mod-active">Lower back</button>
        <button class="widget-toggle-button">Hip</button></div></div>
      <div class="triage-options widget-radio"><div class="widget-radio-box">
        <label><input type="radio" checked disabled> Primary care first</label>
        <label><input type="radio" disabled> The emergency department</label></div></div>
      <div class="triage-verdict-right"><p><strong>Correct.</strong></p></div>
      <div class="triage-poll-body"><p class="triage-poll-title">Live poll: where should Sam go first?</p></div>
      <table class="triage-table"><caption>Providers</caption><thead><tr><th>Who</th><th>When</th></tr></thead>
        <tbody><tr><td>Physiatrist</td><td>Nerve pain without a structural cause</td></tr></tbody></table>
      <nav class="triage-nav"><a class="triage-primary" href="#n">Next: 05 Case studies</a>
        <a href="#h">All apps</a></nav>
      <p class="triage-keys"><kbd>N</kbd> next stage</p>
    </div>
    <div class="triage-connection" style="position: static"><p class="triage-connection-text">The server
      cannot be reached: your answers wait on this page.</p>
      <button class="triage-connection-button">Reload</button></div>
    <div class="triage-connection" data-tone="ok" style="position: static"><p class="triage-connection-text">
      Connected again.</p></div>
    <div class="triage-poll-beacon" style="position: static"><button class="triage-poll-beacon-button">
      <span class="triage-poll-beacon-prompt">Live poll: where should Sam go first?</span>
      <span class="triage-poll-beacon-go">Answer it</span></button></div>"""


JUPYTER_DARK = "--jp-layout-color0: #111111; --jp-content-font-color1: #ffffff;"
JUPYTER_LIGHT = "--jp-layout-color0: #ffffff; --jp-content-font-color1: rgba(0, 0, 0, 0.87);"
# (the page's theme attribute and variables, the reader's system setting) -> the scheme the app must use
CASES = {
    "no theme, system light": ("", "", "light", "light"),
    "no theme, system dark": ("", "", "dark", "dark"),
    "Jupyter light, system dark": ('data-jp-theme-light="true"', JUPYTER_LIGHT, "dark", "light"),
    "Jupyter dark, system light": ('data-jp-theme-light="false"', JUPYTER_DARK, "light", "dark"),
    "Jupyter high contrast": ('data-jp-theme-light="false" data-jp-theme-name="JupyterLab Dark High Contrast"',
                              JUPYTER_DARK, "light", "dark"),
}
CONTRAST = """async () => {
  const r = await axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}});
  return {problems: r.violations.flatMap((v) => v.nodes.map((n) => n.target.join(' ') + ': ' + n.any[0].message)),
          checked: r.passes.reduce((n, rule) => n + rule.nodes.length, 0)};
}"""


@pytest.mark.parametrize("case", list(CASES))
def test_each_scheme_keeps_every_coloured_part_readable(browser, case):
    from support.browser_support import axe_source

    attributes, variables, system, scheme = CASES[case]
    context = browser.new_context(color_scheme=system, viewport={"width": 900, "height": 2400})
    page = context.new_page()
    try:
        page.set_content(f'<!DOCTYPE html><html lang="en"><head><title>t</title><style>{stylesheet()}</style></head>'
                         f'<body {attributes} style="margin:0;{variables}"><main>{gallery()}</main></body></html>')
        app = page.locator(".triage-app")
        assert app.evaluate("(el) => getComputedStyle(el).colorScheme") == scheme
        background = app.evaluate("(el) => getComputedStyle(el).backgroundColor")
        dark = background in ("rgb(17, 17, 17)", "rgb(18, 18, 18)")
        assert dark == (scheme == "dark"), f"{case}: the app paints {background}"
        page.add_script_tag(content=axe_source())
        result = page.evaluate(CONTRAST)
        assert result["problems"] == [] and result["checked"] > 25, result
    finally:
        context.close()
