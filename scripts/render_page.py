"""Open a page in headless Chromium, save a screenshot and check what it rendered.

    python scripts/render_page.py DIR PAGE --screenshot OUT.png [--expect TEXT ...] [--forbid TEXT ...]

DIR is served over HTTP on localhost (asv's dashboard loads its data with
fetch, which file:// URLs forbid), PAGE is opened, scripts run, and the DOM as
rendered is checked: every --expect text must occur in it and no --forbid text
may.  Exits 1 naming what failed, 0 otherwise.
"""

import argparse
import functools
import http.server
import shutil
import subprocess
import sys
import tempfile
import threading

CHROMIUM_FLAGS = (  # this machine has no network: keep Chromium from reaching for one
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=15000",
    "--window-size=1400,2000",
)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    sys.exit("render_page: no Chromium found (Debian: apt-get install chromium)")


def render(url: str, screenshot: str) -> str:
    """The rendered DOM of ``url``; a screenshot of it is written to ``screenshot``."""
    browser = chromium()
    with tempfile.TemporaryDirectory() as profile:
        flags = [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
        subprocess.run(
            [browser, *flags, f"--screenshot={screenshot}", url], check=True, capture_output=True, timeout=120
        )
        dom = subprocess.run(
            [browser, *flags, "--dump-dom", url], check=True, capture_output=True, text=True, timeout=120
        )
    return dom.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("page")
    parser.add_argument("--screenshot", required=True)
    parser.add_argument("--expect", action="append", default=[])
    parser.add_argument("--forbid", action="append", default=[])
    args = parser.parse_args()

    handler = functools.partial(QuietHandler, directory=args.directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dom = render(f"http://127.0.0.1:{server.server_port}/{args.page}", args.screenshot)
    finally:
        server.shutdown()
    problems = [f"missing {text!r}" for text in args.expect if text not in dom]
    problems += [f"found {text!r}" for text in args.forbid if text in dom]
    if problems:
        sys.exit(f"render_page: {args.page}: " + "; ".join(problems))
    print(f"render_page: {args.page} rendered ({len(dom)} characters of DOM), screenshot in {args.screenshot}")


if __name__ == "__main__":
    main()
