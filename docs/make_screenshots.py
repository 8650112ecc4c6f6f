"""Make the README's pictures: the console's execution page (docs/console-execution.png)
and an execution's graph (docs/graph.svg), from a fresh run of the demo.

    .venv/bin/python docs/make_screenshots.py      (needs Debian's chromium)
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="docpipe-screenshots-"))
    os.environ["DOCPIPE_HOME"] = str(home)
    from playwright.sync_api import sync_playwright

    from docpipe.cli import main as docpipe
    from docpipe.console.server import open_console
    from docpipe.state import StateDirectory

    try:
        docpipe(["demo", "-q", "--json"])
        state = StateDirectory(home)
        names = {e["execution"]["name"]: e["execution"]["status"] for e in state.executions()}
        failed = next(name for name, status in names.items() if status == "FAILED")
        mapped = next(name for name in names if "wetland" in name)
        docpipe(["graph", mapped, "--format", "svg", "-o", str(DOCS / "graph.svg")])
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        with open_console(state) as console, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1180})
            page.goto(f"{console.url}#/execution/{failed}")
            page.wait_for_selector("body[data-ready]")
            page.click('#graph g.state[data-name="Extract Text"]')
            page.screenshot(path=str(DOCS / "console-execution.png"))
            browser.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"wrote {DOCS / 'console-execution.png'} and {DOCS / 'graph.svg'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
