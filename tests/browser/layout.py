"""Viewport widths and the check that nothing on a page sticks out of the viewport."""

from __future__ import annotations

from tests.support.browser import Page

WIDTHS = (1280, 390)
"""A laptop and a phone, in CSS pixels."""

# Every visible element matching the selector whose box leaves the viewport horizontally, and the
# document's own width (a page that scrolls sideways has something too wide somewhere).
_OVERFLOW = """
((selector) => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const element of document.querySelectorAll(selector)) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.left < -0.5 || box.right > width + 0.5) {
      out.push(`${element.tagName.toLowerCase()}#${element.id}.${element.className}`
        + ` [${Math.round(box.left)}, ${Math.round(box.right)}] of ${width}`);
    }
  }
  const scroll = document.documentElement.scrollWidth;
  if (scroll > width) out.push(`document scrolls sideways: ${scroll} > ${width}`);
  return out;
})
"""


def set_width(page: Page, width: int, height: int = 900) -> None:
    """Make the tab `width` CSS pixels wide, as a phone or a laptop screen is."""
    page.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def overflowing(page: Page, selector: str = "body *") -> list[str]:
    """The visible elements matching `selector` that stick out of the viewport sideways."""
    found: list[str] = page.evaluate(f"{_OVERFLOW}({selector!r})")
    return found


def assert_inside_viewport(page: Page, selector: str = "body *") -> None:
    out = overflowing(page, selector)
    assert out == [], out
