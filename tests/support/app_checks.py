"""What every app must pass on a page a student sees, in any Jupyter front end and theme: the layout checks
and axe (viewport_checks, on the apps only, colour contrast on every screen), who is answering, and what
each app shows after a student acts: the drill's marked answers, the case player's locked answer (its
chosen radio at least 3:1 against its background), the explorer's verdict in its meaning colour, on the
page's own background, never covering the reasons beside it. Used by the JupyterLab and Voila theme tests.
"""

from __future__ import annotations

import base64
import re

from playwright.sync_api import Page, expect

from support import viewport_checks as vc

STUDENT_APPS = ["01_hip_and_back.ipynb", "02_who_to_see.ipynb", "03_red_flags.ipynb", "04_triage_explorer.ipynb",
                "05_case_studies.ipynb"]
APPS = [*STUDENT_APPS, "06_instructor.ipynb", "07_class_view.ipynb"]
STUDENT = "Ada Lovelace"
TIMEOUT = 120_000
APP = ".triage-app"
# axe's WCAG A/AA rules whose outcome depends on colours besides color-contrast (which contrast_scan runs on
# every screen)
COLOUR_RULES = ["link-in-text-block"]

# Does the verdict ever hide other text of the app? Scroll the app through, 100 px at a time, and at each
# step look for text the verdict lies over (the verdict is what is drawn at the overlap).
COVERS_JS = """async (what) => {
  const verdict = document.querySelector('.triage-verdict');
  const app = verdict.closest('.triage-app');
  let box = app.parentElement;
  while (box && !(/(auto|scroll)/.test(getComputedStyle(box).overflowY) && box.scrollHeight > box.clientHeight)) {
    box = box.parentElement;
  }
  box = box || document.scrollingElement;
  const texts = [...app.querySelectorAll(what)].filter((el) => !verdict.contains(el) && !el.contains(verdict)
    && (el.innerText || '').trim());
  const start = box.scrollTop, covered = new Set();
  const top = app.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
  for (let y = top; y < top + app.offsetHeight; y += 100) {
    box.scrollTop = y;
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    const v = verdict.getBoundingClientRect();
    for (const el of texts) {
      const r = el.getBoundingClientRect();
      const left = Math.max(r.left, v.left), right = Math.min(r.right, v.right);
      const upper = Math.max(r.top, v.top), lower = Math.min(r.bottom, v.bottom);
      if (right - left < 2 || lower - upper < 2) continue;
      const hit = document.elementFromPoint((left + right) / 2, (upper + lower) / 2);
      const words = el.innerText.trim().slice(0, 40);
      if (hit && verdict.contains(hit)) covered.add(`${el.tagName.toLowerCase()} "${words}"`);
    }
  }
  box.scrollTop = start;
  return [...covered];
}"""

# The colour a student sees behind an element: the first opaque background among it and its ancestors.
BACKGROUND_JS = """(el) => {
  for (let e = el; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (c && c !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(c)) return c;
  }
  return 'rgb(255, 255, 255)';
}"""

# Pixels of a screenshot (PNG, base64) as [r, g, b] triples, decoded by the browser itself.
PIXELS_JS = """async (png) => {
  const bitmap = await createImageBitmap(await (await fetch('data:image/png;base64,' + png)).blob());
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(bitmap, 0, 0);
  const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const out = [];
  for (let i = 0; i < data.length; i += 4) out.push([data[i], data[i + 1], data[i + 2]]);
  return {width: bitmap.width, pixels: out};
}"""


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rgb(css: str) -> tuple[int, int, int]:
    r, g, b = (int(float(x)) for x in re.findall(r"[\d.]+", css)[:3])
    return r, g, b


def mark_contrast(page: Page, locator) -> tuple[float, int]:
    """How a control stands out from what surrounds it, as a student sees it: a screenshot of the control with
    4 px around it; the background is the commonest colour on that border, the mark the pixels that differ most.
    Returns (best contrast, number of pixels at 3:1 or more against the background)."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    clip = {"x": box["x"] - 4, "y": box["y"] - 4, "width": box["width"] + 8, "height": box["height"] + 8}
    shot = page.screenshot(clip=clip)
    image = page.evaluate(PIXELS_JS, base64.b64encode(shot).decode())
    pixels = [tuple(p) for p in image["pixels"]]
    width = image["width"]
    height = len(pixels) // width
    border = [pixels[y * width + x] for y in range(height) for x in range(width)
              if x < 2 or y < 2 or x >= width - 2 or y >= height - 2]
    background = max(set(border), key=border.count)
    ratios = [contrast(p, background) for p in pixels]
    return max(ratios), sum(r >= 3 for r in ratios)


def settle(page: Page, notebook: str) -> None:
    """Wait for what each app shows once built (the frame knows who is answering, the case is open)."""
    if notebook in STUDENT_APPS:
        expect(page.locator(".triage-who")).to_contain_text(f"Answering as {STUDENT}")
    if notebook == "05_case_studies.ipynb":
        expect(page.locator(".triage-question").first).to_be_visible()
    if notebook == "06_instructor.ipynb":
        expect(page.locator(".triage-toolbar")).to_be_visible()
    page.wait_for_timeout(500)  # the last widget updates of the build


def act_as_a_student(page: Page, notebook: str) -> None:
    """What a student does first, so the checks also see the states that follow (marked answers, locks)."""
    if notebook == "03_red_flags.ipynb":
        page.get_by_role("button", name="Routine", exact=True).click()  # the first scenario is an emergency
        expect(page.locator(".triage-feedback")).to_contain_text("Not quite")
    if notebook == "05_case_studies.ipynb":
        question = page.locator(".triage-question").first
        question.get_by_role("radio").first.check()
        question.get_by_role("button", name="Check answer").click()
        expect(question.locator(".triage-feedback")).not_to_be_empty()
        page.locator(".triage-reveal").click()  # reading on locks the answer
        expect(question.locator("input[type=radio]:checked:disabled")).to_have_count(1)
    if notebook == "06_instructor.ipynb":  # answers and reasoning shown, as when projected
        page.get_by_role("button", name=re.compile(r"^Show answers")).click()
        page.get_by_role("button", name=re.compile(r"^Show reasoning")).click()
        expect(page.locator(".triage-reasoning")).to_contain_text("What would change it")


def app_problems(page: Page, notebook: str, act: bool = True, colours_only: bool = False) -> dict[str, list[str]]:
    """Every check on the page's apps, after a student's first actions (``act``: take them now); only
    failing checks are listed. ``colours_only``: the checks a change of theme can fail (contrast on every
    screen, the colour rules of axe, the marked answer, the verdict's colours and background), for a page
    that already passed the rest in another theme (layout, names and roles do not change with colours)."""
    if act:
        act_as_a_student(page, notebook)
    vc.open_disclosures(page)
    problems = {"axe": vc.axe_rule_problems(page, COLOUR_RULES, scope=APP)} if colours_only \
        else vc.run_all(page, scope=APP)
    scan = vc.contrast_scan(page, scope=APP)
    problems["contrast"] = scan["problems"]
    if scan["checked"] < 60:
        problems["contrast"].append(f"axe judged only {scan['checked']} text elements: the audit did not see the app")
    errors = page.locator(".jp-OutputArea-output", has_text="Error displaying widget")
    if errors.count():
        problems["widgets"] = [errors.first.inner_text()]
    if notebook == "05_case_studies.ipynb":
        problems.update(locked_answer_problems(page))
    if notebook == "04_triage_explorer.ipynb":
        problems.update(verdict_problems(page, covers=not colours_only))
    return {k: v for k, v in problems.items() if v}


def locked_answer_problems(page: Page) -> dict[str, list[str]]:
    """The chosen answer of a locked question stands out (WCAG 1.4.11: 3:1), and so does its option's text."""
    radio = page.locator(".triage-question input[type=radio]:checked:disabled").first
    best, marked = mark_contrast(page, radio)
    out = []
    if best < 3 or marked < 20:
        out.append(f"the locked, chosen radio reaches {best:.2f}:1 against its background ({marked} pixels at 3:1)")
    label = radio.locator("xpath=..")
    if int(label.evaluate("(el) => parseInt(getComputedStyle(el).fontWeight)")) < 600:
        out.append("the locked, chosen option's text is not marked")
    return {"locked answer": out}


# a tick that leads to each urgency from the explorer's start (lower back, 2 weeks: routine)
URGENCY_TICKS = {"emergency": "New loss of bowel or bladder control", "urgent": "Fever", "routine": None}
# hue ranges (degrees) that read as red, amber and green
HUES = {"emergency": (330, 20), "urgent": (30, 60), "routine": (90, 160)}


def hue(colour: tuple[int, int, int]) -> float:
    r, g, b = (c / 255 for c in colour)
    high, low = max(r, g, b), min(r, g, b)
    if high == low:
        return -1.0
    if high == r:
        h = ((g - b) / (high - low)) % 6
    elif high == g:
        h = (b - r) / (high - low) + 2
    else:
        h = (r - g) / (high - low) + 4
    return h * 60


def in_range(h: float, bounds: tuple[int, int]) -> bool:
    low, high = bounds
    return low <= h <= high if low < high else h >= low or h <= high


def verdict_problems(page: Page, covers: bool = True) -> dict[str, list[str]]:
    """The verdict in each urgency keeps its meaning colour (red, amber, green) readable, sits on the
    notebook's own background (no strip of another colour under it), and (``covers``) never covers the
    app's text."""
    out: dict[str, list[str]] = {"verdict colours": [], "verdict background": [], "verdict covers": []}
    verdict = page.locator(".triage-verdict")
    banner = verdict.locator(".triage-urgency")
    for urgency, tick in URGENCY_TICKS.items():
        box = page.get_by_role("checkbox", name=tick, exact=True) if tick else None
        if box is not None:
            box.check()
        try:
            expect(banner).to_contain_text(f"Urgency: {urgency.upper()}")
            colour = rgb(banner.evaluate(BACKGROUND_JS))
            text = rgb(banner.evaluate("(el) => getComputedStyle(el).color"))
            tinted = colour if max(colour) - min(colour) > 8 else text  # a dark tint reads by its text colour
            if not in_range(hue(tinted), HUES[urgency]):
                out["verdict colours"].append(f"{urgency}: box {colour}, text {text} do not read as its colour")
            verdict.scroll_into_view_if_needed()
            out["verdict colours"] += [f"{urgency}: {p}" for p in
                                       vc.axe_rule_problems(page, ["color-contrast"], scope=".triage-verdict")]
        finally:
            if box is not None:
                box.uncheck()
    behind = rgb(page.locator(APP).first.locator("xpath=..").evaluate(BACKGROUND_JS))
    own = rgb(verdict.evaluate(BACKGROUND_JS))
    if contrast(own, behind) > 1.1:
        out["verdict background"].append(f"the verdict's background {own} differs from the notebook's {behind}")
    if covers:
        out["verdict covers"] = page.evaluate(COVERS_JS, "h3, h4, p, li, label, summary, dt, dd")
    return out


def report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{name}: {p}" for name, found in problems.items() for p in found)


