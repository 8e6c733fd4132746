"""The report page in a real headless Chromium: no errors, every figure visible, readable at laptop width."""

import os
import shutil

import pytest

from benchlab.analysis.report import write_report

LAPTOP = {"width": 1366, "height": 768}


def find_chromium() -> str | None:
    """$BENCHLAB_CHROMIUM, else a Chromium or Chrome on PATH (CI installs one with apt)."""
    candidates = [os.environ.get("BENCHLAB_CHROMIUM", "")]
    candidates += [shutil.which(n) or "" for n in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


@pytest.mark.slow
@pytest.mark.browser
def test_report_page_in_headless_chromium(experiment_dir):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium found: install it (apt-get install chromium) or set BENCHLAB_CHROMIUM")
    index = write_report(experiment_dir, quiet=True)
    n_figures = len(list((experiment_dir / "figures").glob("*.png")))

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport=LAPTOP)
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(index.as_uri(), wait_until="load")
            images = page.evaluate(
                """() => Array.from(document.images).map(img => {
                    const box = img.getBoundingClientRect();
                    return {complete: img.complete, natural: img.naturalWidth * img.naturalHeight,
                            width: box.width, height: box.height, right: box.right + window.scrollX,
                            visible: getComputedStyle(img).visibility === 'visible'};
                })"""
            )
            layout = page.evaluate(
                """() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
                           font: parseFloat(getComputedStyle(document.querySelector('p')).fontSize),
                           tables: document.querySelectorAll('table').length})"""
            )
        finally:
            browser.close()

    assert errors == []
    assert len(images) == n_figures >= 4
    for img in images:
        assert img["complete"] and img["natural"] > 0 and img["visible"], img
        assert img["width"] > 200 and img["height"] > 100, img
        assert img["right"] <= LAPTOP["width"], img
    assert layout["scroll"] <= layout["inner"], layout  # no horizontal scrolling at 1366 px
    assert layout["font"] >= 12 and layout["tables"] > 0
