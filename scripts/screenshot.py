"""Screenshot the results page for the README, with Debian's headless Chromium.

    python scripts/screenshot.py --index-dir index --out docs/screenshot.png
    python scripts/screenshot.py --index-dir index --out /tmp/shot.png --query 营商环境
    python scripts/screenshot.py --index-dir index --out /tmp/phone.png --width 390 --height 844 --full-page

Builds nothing: it serves the app over an existing index on a free localhost port,
opens the page and writes a PNG.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.settings import Settings  # noqa: E402
from webui.app import create_app  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# A query with many hits and one province picked, so the region tree shows its cities.
DEFAULT_PATH = "/search?" + urlencode({"q": "协商", "province": "山东省"})
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def screenshot(
    index_dir: Path, out: Path, path: str, width: int, height: int, full_page: bool
) -> None:
    """Serve the app over index_dir and save a screenshot of `path` (e.g. "/search?q=...") to out."""
    app = create_app(Settings.from_env().with_index(index_dir))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(
                viewport={"width": width, "height": height}, device_scale_factor=1
            )
            response = page.goto(f"http://127.0.0.1:{server.server_port}{path}")
            if response is None or response.status != 200:
                raise SystemExit(f"{path!r} answered {response.status if response else 'nothing'}")
            page.evaluate("document.fonts.ready")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=full_page)
            browser.close()
    finally:
        server.shutdown()
        thread.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--index-dir", type=Path, required=True, help="a built index (cppcc-search index)"
    )
    parser.add_argument("--out", type=Path, default=Path("docs/screenshot.png"))
    parser.add_argument(
        "--path", default=DEFAULT_PATH, help="page to shoot (default: 协商 in 山东省)"
    )
    parser.add_argument("--query", help="shoot /search?q=QUERY instead of --path")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--full-page", action="store_true")
    args = parser.parse_args(argv)
    path = "/search?" + urlencode({"q": args.query}) if args.query else args.path
    screenshot(args.index_dir, args.out, path, args.width, args.height, args.full_page)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
