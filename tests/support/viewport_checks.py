"""Checks for one rendered page at its current viewport, reusable by every browser test.

Each check takes a Playwright ``Page`` and returns a list of plain-words problems (empty = pass), so a
test can assert ``== []`` and print what is wrong:

- :func:`page_overflow`: the page scrolls sideways, or content sticks out past the right edge;
- :func:`clipped_text`: a label, button, tab or heading whose text does not fit its box;
- :func:`broken_words`: a word wider than its box, so it is split mid-word or cut (narrow table cells);
- :func:`small_targets`: controls smaller than 24 x 24 px (WCAG 2.2, 2.5.8, with its spacing and
  inline-link exceptions), or primary actions (class ``triage-primary``) under 44 px;
- :func:`small_text`: app text smaller than the lesson text, or diagram text under 12 px;
- :func:`axe_problems`: axe-core violations of impact serious or critical;
- :func:`contrast_problems`: axe-core's colour-contrast rule over the whole page (axe skips text its scrolling
  box has scrolled out of view: Voilà's body and JupyterLab's notebook panel scroll, so one run sees only the
  first screen): the window is made as tall as the content for the scan, then screen by screen for what
  still scrolls;
- :func:`raw_ids`: knowledge-base ids (built from the data by :func:`knowledge_ids`) in the visible text;
- :func:`run_all`: all of the above but the contrast scan, by name (the scan runs axe once per screen, and
  colours do not change with the window's size: tests call it once per theme).

Every check takes an optional ``scope``, a CSS selector: only elements inside a match are checked (in
JupyterLab, ``.triage-app`` leaves out JupyterLab's own toolbars, file browser and code cells).
"""

from __future__ import annotations

import base64
import re
from functools import cache

from support.browser_support import axe_source

_VISIBLE = """
  const inScope = (el) => !scope || !!el.closest(scope);
  const visible = (el) => {
    if (!el.isConnected) return false;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return false;
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden' || s.opacity === '0') return false;
      if (s.clipPath === 'inset(50%)' || (s.position === 'absolute' && s.overflow === 'hidden'
          && e.getBoundingClientRect().width <= 1)) return false;  // visually hidden (for screen readers only)
      if (e !== el && e.tagName === 'DETAILS' && !e.open) {  // a closed disclosure shows only its summary
        const summary = e.querySelector(':scope > summary');
        if (!(summary && summary.contains(el))) return false;
      }
    }
    return true;
  };
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ');
    const cls = typeof el.className !== 'string' ? ''
      : el.className.split(/\\s+/).filter(c => c.startsWith('triage-')).join('.');
    return `${el.tagName.toLowerCase()}${cls ? '.' + cls : ''} "${text.slice(0, 50)}"`;
  };
"""

OVERFLOW_JS = "(scope) => {" + _VISIBLE + """
  const out = [];
  const vw = document.documentElement.clientWidth;
  for (const el of [document.documentElement, document.body, document.getElementById('rendered_cells')]) {
    if (el && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'hidden') {
      const name = el.id || el.tagName.toLowerCase();
      out.push(`the page scrolls sideways: ${name} is ${el.scrollWidth} px wide in ${el.clientWidth} px`);
    }
  }
  // only tables and code may scroll sideways on their own; any other box that does hides content
  const scrollsX = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e).overflowX;
      if ((s === 'auto' || s === 'scroll') && (e.tagName === 'TABLE' || e.tagName === 'PRE')) return true;
    }
    return false;
  };
  for (const el of document.querySelectorAll('.triage-app, .triage-app *, .jp-RenderedHTMLCommon *')) {
    if (!inScope(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > vw + 1 && visible(el) && !scrollsX(el)) {
      out.push(`${describe(el)} reaches ${Math.round(r.right)} px, past the ${vw} px viewport`);
      if (out.length > 8) break;
    }
  }
  return out;
}"""

CLIPPED_JS = "(scope) => {" + _VISIBLE + """
  const out = [];
  const sel = 'label, button, summary, select, [role=tab], [role=button], a, h1, h2, h3, h4, th, '
    + '.widget-label, .widget-label-basic, .widget-label-basic span, .widget-toggle-button, '
    + '.triage-app p, .triage-app li';
  for (const el of document.querySelectorAll(sel)) {
    if (!inScope(el) || !visible(el) || !(el.innerText || '').trim()) continue;
    if (el.tagName === 'SELECT') {
      const opt = el.options[el.selectedIndex];
      if (!opt) continue;
      const c = document.createElement('canvas').getContext('2d');
      const s = getComputedStyle(el);
      c.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
      const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight) - 20;  // arrow
      if (c.measureText(opt.text).width > room + 1) out.push(`${describe(el)}: the chosen option "${opt.text}" is cut`);
      continue;
    }
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
      out.push(`${describe(el)}: text needs ${el.scrollWidth} px, box is ${el.clientWidth} px`);
    } else if (el.clientHeight > 0 && el.scrollHeight > el.clientHeight + 2
               && getComputedStyle(el).overflowY !== 'visible') {
      out.push(`${describe(el)}: text needs ${el.scrollHeight} px of height, box is ${el.clientHeight} px`);
    }
  }
  return out;
}"""

TARGETS_JS = "(scope) => {" + _VISIBLE + """
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=tab], '
    + '[role=checkbox], [role=radio]';
  const isInline = (el) => {
    if (el.tagName !== 'A') return false;
    const parent = el.parentElement;
    if (!parent) return false;
    const own = (el.innerText || '').trim().length;
    const all = (parent.innerText || '').trim().length;
    return getComputedStyle(el).display === 'inline' && all > own + 1;
  };
  const rectOf = (el) => {
    let r = el.getBoundingClientRect();
    const label = el.closest('label');  // a checkbox's label is part of what a finger can press
    if (label && (el.type === 'checkbox' || el.type === 'radio')) {
      const l = label.getBoundingClientRect();
      r = {left: Math.min(r.left, l.left), right: Math.max(r.right, l.right),
           top: Math.min(r.top, l.top), bottom: Math.max(r.bottom, l.bottom)};
    }
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
            width: r.right - r.left, height: r.bottom - r.top};
  };
  const targets = [...document.querySelectorAll(sel)].filter(el => inScope(el) && visible(el) && !el.disabled
                   && !el.closest('.jp-mod-noOutputs'));
  const boxes = targets.map(rectOf);
  const out = [];
  const distance = (x, y, b) => Math.hypot(Math.max(b.left - x, 0, x - b.right), Math.max(b.top - y, 0, y - b.bottom));
  targets.forEach((el, i) => {
    const b = boxes[i];
    const primary = el.closest('.triage-primary');
    if (primary) {
      if (b.height < 44 - 0.5 || b.width < 44 - 0.5) {
        out.push(`primary ${describe(el)} is ${Math.round(b.width)} x ${Math.round(b.height)} px (needs 44 x 44)`);
      }
      return;
    }
    if (b.width >= 24 - 0.5 && b.height >= 24 - 0.5) return;
    if (isInline(el)) return;  // WCAG 2.5.8 inline exception
    const cx = (b.left + b.right) / 2, cy = (b.top + b.bottom) / 2;
    const crowded = boxes.some((o, j) => j !== i && !targets[j].contains(el) && !el.contains(targets[j])
                                && distance(cx, cy, o) < 12);
    const size = `${Math.round(b.width)} x ${Math.round(b.height)} px`;
    if (crowded) out.push(`${describe(el)} is ${size}, closer than 12 px to another control`);
  });
  return out;
}"""

WORDS_JS = "(scope) => {" + _VISIBLE + """
  const out = [];
  const canvas = document.createElement('canvas').getContext('2d');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent.trim()) continue;
    if (!el.closest('.triage-app, .jp-RenderedHTMLCommon') || el.closest('svg, pre, code') || !inScope(el)) continue;
    seen.add(el);
    if (!visible(el)) continue;
    const s = getComputedStyle(el);
    canvas.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
    // the box the text wraps in: the nearest block ancestor's content width
    let box = el;
    while (box && getComputedStyle(box).display.startsWith('inline')) box = box.parentElement;
    const bs = getComputedStyle(box);
    const room = box.clientWidth - parseFloat(bs.paddingLeft) - parseFloat(bs.paddingRight);
    for (const word of node.textContent.split(/[\\s\\u2014/-]+/)) {
      if (word && canvas.measureText(word).width > room + 1) {
        out.push(`"${word}" is wider than its ${Math.round(room)} px box and is cut or split (${describe(el)})`);
        break;
      }
    }
    if (out.length > 8) break;
  }
  return out;
}"""

TEXT_SIZE_JS = "(scope) => {" + _VISIBLE + """
  const out = [];
  const lessonEl = document.querySelector('.jp-RenderedMarkdown p, .jp-RenderedMarkdown li');
  const lesson = lessonEl ? parseFloat(getComputedStyle(lessonEl).fontSize) : 14;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || seen.has(el) || !el.closest('.triage-app') || !inScope(el)) continue;
    seen.add(el);
    if (el.closest('svg') || !visible(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < lesson - 0.5) out.push(`${describe(el)}: ${size} px text, smaller than the lesson's ${lesson} px`);
  }
  for (const t of document.querySelectorAll('.triage-app svg text')) {
    if (!inScope(t) || !visible(t)) continue;
    const size = parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a;
    if (size < 12 - 0.25) out.push(`diagram text "${t.textContent.trim().slice(0, 30)}" is ${size.toFixed(1)} px`);
  }
  return out;
}"""


def page_overflow(page, scope: str | None = None) -> list[str]:
    return page.evaluate(OVERFLOW_JS, scope)


def clipped_text(page, scope: str | None = None) -> list[str]:
    return page.evaluate(CLIPPED_JS, scope)


def small_targets(page, scope: str | None = None) -> list[str]:
    return page.evaluate(TARGETS_JS, scope)


def broken_words(page, scope: str | None = None) -> list[str]:
    """Words wider than the box they sit in (so they are split mid-word or cut), in apps and lessons."""
    return page.evaluate(WORDS_JS, scope)


def small_text(page, scope: str | None = None) -> list[str]:
    return page.evaluate(TEXT_SIZE_JS, scope)


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]


def _load_axe(page) -> None:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())


def _axe_context(scope: str | None) -> str:
    return "document" if scope is None else "{include: [[scope]]}"


def axe_problems(page, scope: str | None = None) -> list[str]:
    """axe's WCAG 2.2 A and AA rules: serious and critical violations."""
    return _axe(page, f"{{type: 'tag', values: {WCAG_TAGS}}}", scope)


def axe_rule_problems(page, rules: list[str], scope: str | None = None) -> list[str]:
    """Only axe's ``rules`` (by id): serious and critical violations."""
    return _axe(page, f"{{type: 'rule', values: {rules}}}", scope)


def _axe(page, run_only: str, scope: str | None) -> list[str]:
    _load_axe(page)
    result = page.evaluate(f"async (scope) => await axe.run({_axe_context(scope)}, {{runOnly: {run_only}}})", scope)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


# Scroll each box that scrolls the apps (or the page) one screen at a time and run the colour-contrast rule on
# each screen; a problem is reported once, with axe's message (the two colours and the ratio).
# The boxes that scroll the apps (or the page): ``boxes``, for the scripts below.
_SCROLL_BOXES = """
  const app = document.querySelector(scope || '.triage-app') || document.body;
  const scrolls = (el) => /(auto|scroll)/.test(getComputedStyle(el).overflowY) && el.scrollHeight > el.clientHeight + 1;
  const boxes = [...document.querySelectorAll('*')]
    .filter((el) => (el.contains(app) || app.contains(el)) && scrolls(el));
"""
CONTRAST_JS = """async ([scope, context]) => {""" + _SCROLL_BOXES + """
  if (!boxes.length) boxes.push(document.scrollingElement);
  const found = new Map(), judged = new Set();
  for (const box of boxes) {
    const start = box.scrollTop;
    for (let y = 0; ; y += Math.max(100, box.clientHeight - 40)) {
      box.scrollTop = y;
      await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
      const result = await axe.run(context === 'document' ? document : {include: [[scope]]},
                                   {runOnly: {type: 'rule', values: ['color-contrast']}});
      result.passes.forEach((rule) => rule.nodes.forEach((node) => judged.add(node.target.join(' '))));
      for (const rule of result.violations) {
        for (const node of rule.nodes) {
          const key = node.target.join(' ');
          judged.add(key);
          if (!found.has(key)) found.set(key, node.any.map((c) => c.message).join(' '));
        }
      }
      if (box.scrollTop + box.clientHeight >= box.scrollHeight - 1 || box.scrollTop < y - 1) break;
    }
    box.scrollTop = start;
  }
  return {checked: judged.size, problems: [...found].map(([target, message]) => `${target}: ${message}`)};
}"""


# How tall the window must be for the boxes that scroll the apps (or the page) to show all they hold.
CONTENT_HEIGHT_JS = """(scope) => {""" + _SCROLL_BOXES + """
  return innerHeight + boxes.reduce((sum, el) => sum + el.scrollHeight - el.clientHeight, 0);
}"""
# Colours do not change with the window's height; a window this tall shows a long app in one or two screens
# (each screen is one axe run over the whole page).
TALLEST = 12_000
NEXT_FRAME_JS = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def contrast_scan(page, scope: str | None = None) -> dict:
    """axe's colour-contrast rule on every screen of the page: ``{"checked": n, "problems": [...]}``, where
    ``checked`` counts the text elements axe could judge (a check that judged nothing proves nothing).

    The window is made as tall as the content (up to :data:`TALLEST` px) for the scan and put back after."""
    _load_axe(page)
    size = page.viewport_size
    tall = min(int(page.evaluate(CONTENT_HEIGHT_JS, scope)), TALLEST)
    if size and tall > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": tall})
        page.evaluate(NEXT_FRAME_JS)
    try:
        return page.evaluate(CONTRAST_JS, [scope, _axe_context(scope)])
    finally:
        if size and tall > size["height"]:
            page.set_viewport_size(size)
            page.evaluate(NEXT_FRAME_JS)


def contrast_problems(page, scope: str | None = None) -> list[str]:
    """Text below the WCAG AA contrast minimum anywhere on the page, not only on its first screen."""
    return contrast_scan(page, scope)["problems"]


@cache
def knowledge_ids() -> tuple[str, ...]:
    """Ids that must never reach a student: those with a separator (plain words such as "fever" are fine)."""
    from triage.content.drill import scenarios
    from triage.domain.knowledge import knowledge
    from triage.domain.model import Finding, PainSite, Symptom, Trauma
    from triage.ui.student.pathway import pathway_examples

    kb = knowledge()
    ids = {*(s.value for s in Symptom), *(f.value for f in Finding), *(t.value for t in Trauma),
           *(p.value for p in PainSite), *(f.id for f in kb.red_flags), *(r.id for r in kb.rules),
           *(p.id.value for p in kb.providers), *(s.id for s in kb.sections), *(s.id for s in scenarios()),
           *(e.id for e in pathway_examples())}
    return tuple(sorted(i for i in ids if "_" in i or "-" in i))


def raw_ids(page, ids: tuple[str, ...] | None = None, scope: str | None = None) -> list[str]:
    text = page.evaluate(
        "(scope) => scope ? [...document.querySelectorAll(scope)].map((el) => el.innerText).join('\\n')"
        " : document.body.innerText", scope)
    found = []
    for i in ids or knowledge_ids():
        if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text):
            found.append(f"raw id {i!r} in the visible text")
    return found


DARK_PIXELS_JS = """async (png) => {
  const img = new Image();
  img.src = 'data:image/png;base64,' + png;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  const g = canvas.getContext('2d');
  g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
  let dark = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] < 600) dark++;
  return dark;
}"""


def show_through(page, selector: str) -> list[str]:
    """What scrolled under a sticky bar must not show between the bar and the screen's top edge: the band
    above the bar (over the bar's width, plus 12 px each side) has no dark pixel (text, a control's edge).
    Call it once the page is scrolled so that content sits under the bar."""
    box = page.evaluate("""(sel) => { const e = document.querySelector(sel); if (!e) return null;
        const r = e.getBoundingClientRect(); return {top: r.top, left: r.left, width: r.width}; }""", selector)
    if box is None or box["top"] < 1:
        return []
    left = max(0.0, box["left"] - 12)
    width = min(box["width"] + 24, page.viewport_size["width"] - left)
    png = page.screenshot(clip={"x": left, "y": 0, "width": width, "height": box["top"]})
    dark = page.evaluate(DARK_PIXELS_JS, base64.b64encode(png).decode())
    return [f"{dark} dark pixels show through the {box['top']:.0f} px above {selector}"] if dark else []


CHECKS = {
    "overflow": page_overflow,
    "clipped text": clipped_text,
    "words cut in two": broken_words,
    "touch targets": small_targets,
    "text size": small_text,
    "axe": axe_problems,
    "raw ids": raw_ids,
}


def open_disclosures(page) -> None:
    """Open every ``<details>`` (glossary, guide sections) so the checks see what a student can open."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")


def run_all(page, scope: str | None = None) -> dict[str, list[str]]:
    """Every check, by name, with its problems (only failing checks are listed); ``scope`` as for each check."""
    out = {}
    for name, check in CHECKS.items():
        problems = check(page, scope=scope)
        if problems:
            out[name] = problems
    return out
