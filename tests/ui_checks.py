"""What every browser test can ask of the rendered page: toasts, themes, contrast and clipping.

Contrast follows WCAG 2: the text colour and the first opaque background behind it (semi-transparent
layers blended in) give relative luminances L1 >= L2, and the ratio (L1 + 0.05) / (L2 + 0.05) must be
at least 4.5 for every visible text. Everything is computed in the page from the rendered styles.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page, expect

THEMES = {
    "light": "JupyterLab Light",
    "dark": "JupyterLab Dark",
    "high-contrast": "JupyterLab Dark High Contrast",
}

_CONTRAST_JS = """
root => {
  const parse = c => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c || '');
    if (!m) { return null; }
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const blend = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const lum = c => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) { break; } }
    }
    let bg = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) { bg = blend(layers[i], bg); }
    return bg;
  };
  const visible = el => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || el.closest('[hidden]')) { return false; }
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && s.display !== 'none' && Number(s.opacity) > 0;
  };
  const measure = (el, text) => {
    const bg = background(el);
    const fg = blend(parse(getComputedStyle(el).color), bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return { text: text.trim().slice(0, 60), ratio: (a + 0.05) / (b + 0.05),
             color: getComputedStyle(el).color, background: 'rgb(' + bg.slice(0, 3).map(Math.round).join(',') + ')',
             where: el.className || el.tagName };
  };
  const found = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || !visible(el) || el.closest('option')) { continue; }
    found.push(measure(el, node.textContent));
  }
  for (const el of root.querySelectorAll('input:not([type=checkbox]), select, textarea')) {
    const text = el.tagName === 'SELECT' ? (el.selectedOptions[0] || {}).textContent || '' : el.value;
    if (text.trim() && visible(el)) { found.push(measure(el, text)); }
  }
  return found;
}
"""

_CLIPPED_JS = """
root => {
  const box = root.getBoundingClientRect();
  const problems = [];
  if (root.scrollWidth > root.clientWidth + 1) {
    problems.push('the sidebar scrolls sideways: ' + root.scrollWidth + ' > ' + root.clientWidth);
  }
  for (const el of root.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || el.closest('[hidden]') || el.closest('pre')) { continue; }
    if (r.right > box.right + 1) {
      problems.push((el.className || el.tagName) + ' ends at ' + Math.round(r.right) + ' > ' + Math.round(box.right)
                    + ': ' + (el.textContent || '').trim().slice(0, 40));
    }
    if ((el.tagName === 'BUTTON' || el.tagName === 'SPAN') && el.scrollWidth > el.clientWidth + 1
        && getComputedStyle(el).overflow !== 'visible') {
      problems.push('clipped text in ' + (el.className || el.tagName) + ': ' + (el.textContent || '').trim().slice(0, 40));
    }
  }
  return problems;
}
"""


def set_theme(page: Page, theme: str) -> None:
    """Switch JupyterLab to ``theme`` (a key of THEMES) and wait until its styles apply."""
    page.evaluate(
        "t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", THEMES[theme]
    )
    light = "true" if theme == "light" else "false"
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'")
    page.wait_for_function("name => document.body.dataset.jpThemeName === name", arg=THEMES[theme])


def low_contrast(root: Locator, minimum: float = 4.5) -> list[dict[str, Any]]:
    """Every visible text under ``root`` whose contrast ratio is below ``minimum`` (none is the goal)."""
    found: list[dict[str, Any]] = root.evaluate(_CONTRAST_JS)
    assert found, "no visible text was measured"
    return [each for each in found if each["ratio"] < minimum]


def clipped(root: Locator) -> list[str]:
    """Elements that stick out of ``root`` or whose text is cut (empty is the goal)."""
    problems: list[str] = root.evaluate(_CLIPPED_JS)
    return problems


def toast(page: Page, kind: str, text: str) -> Locator:
    """A JupyterLab notification of ``kind`` (success, error, info, warning) containing ``text``."""
    found = page.locator(f".Toastify__toast--{kind}").filter(has_text=text)
    expect(found.first).to_be_visible()
    return found.first


def dismiss_toasts(page: Page) -> None:
    """Close every notification (they would cover the sidebar in the next screenshot)."""
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:dismiss-notification')")
    left = page.locator(".Toastify__toast")
    try:
        expect(left).to_have_count(0)
    except AssertionError as exc:
        raise AssertionError(f"toasts left: {left.all_inner_texts()}") from exc
