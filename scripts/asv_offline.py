"""Make an ``asv publish`` site work with no network: vendor its CDN scripts from the npm registry.

    python scripts/asv_offline.py HTML_DIR

asv's dashboard loads jQuery, flot, bootstrap and friends from CDNs, which
this machine (and many CI runners) cannot reach, so the page would only say
that its JavaScript failed to load.  This fetches the same libraries as npm
packages (``npm pack``; the npm registry is reachable), copies the files into
``HTML_DIR/vendor/`` and points the pages at them (dropping the ``integrity``
hashes, which name the CDN's own minified builds).  Any CDN reference it does
not know is an error, so a new asv release cannot silently break the dashboard.
"""

import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# CDN URL -> (npm package, file inside the package)
VENDORED = {
    "https://code.jquery.com/jquery-3.3.1.min.js": ("jquery@3.3.1", "dist/jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.min.js": ("flot@0.8.3", "jquery.flot.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.time.min.js": ("flot@0.8.3", "jquery.flot.time.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.selection.min.js": (
        "flot@0.8.3",
        "jquery.flot.selection.js",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.categories.min.js": (
        "flot@0.8.3",
        "jquery.flot.categories.js",
    ),
    "https://cdn.jsdelivr.net/npm/flot-orderbars@1.0.0/js/jquery.flot.orderBars.js": (
        "flot-orderbars@1.0.0",
        "js/jquery.flot.orderBars.js",
    ),
    # 1.0.1 is not on npm; 1.1.3 keeps the same jQuery plugin API
    "https://cdnjs.cloudflare.com/ajax/libs/stupidtable/1.0.1/stupidtable.min.js": (
        "stupid-table-plugin@1.1.3",
        "stupidtable.min.js",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/blueimp-md5/2.19.0/js/md5.min.js": ("blueimp-md5@2.19.0", "js/md5.min.js"),
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/js/bootstrap.min.js": (
        "bootstrap@3.1.1",
        "dist/js/bootstrap.min.js",
    ),
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/css/bootstrap.min.css": (
        "bootstrap@3.1.1",
        "dist/css/bootstrap.min.css",
    ),
}
RESOURCE = re.compile(r'<(script|link)\b[^>]*?\b(?:src|href)="(https?://[^"]+)"[^>]*>')
SRI = re.compile(r'\s(?:integrity|crossorigin|referrerpolicy)="[^"]*"')


def vendor_name(package: str, member: str) -> str:
    return f"{package.replace('@', '-')}-{Path(member).name}"


def fetch(packages: set[str], into: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        for package in sorted(packages):
            result = subprocess.run(["npm", "pack", package, "--silent"], cwd=scratch, capture_output=True, text=True)
            if result.returncode:
                sys.exit(f"asv_offline: npm pack {package} failed: {result.stderr.strip().splitlines()[-1:]}")
            tarball = Path(scratch) / result.stdout.strip().splitlines()[-1]
            with tarfile.open(tarball) as archive:
                for name, member in VENDORED.values():
                    if name == package:
                        source = archive.extractfile(f"package/{member}")
                        (into / vendor_name(name, member)).write_bytes(source.read())


def rewrite(page: Path) -> list[str]:
    """Point ``page`` at the vendored files; return the CDN URLs it uses that are not vendored."""
    unknown = []

    def local(match: re.Match) -> str:
        tag, url = match.group(0), match.group(2)
        if url not in VENDORED:
            if match.group(1) == "script" or 'rel="stylesheet"' in tag:
                unknown.append(url)
            return tag
        return SRI.sub("", tag.replace(url, "vendor/" + vendor_name(*VENDORED[url])))

    page.write_text(RESOURCE.sub(local, page.read_text(encoding="utf-8")), encoding="utf-8")
    return unknown


def main(html_dir: Path) -> None:
    vendor = html_dir / "vendor"
    vendor.mkdir(exist_ok=True)
    missing = {package for package, member in VENDORED.values() if not (vendor / vendor_name(package, member)).exists()}
    if missing:
        fetch(missing, vendor)
    unknown = sorted({url for page in html_dir.glob("*.html") for url in rewrite(page)})
    if unknown:
        sys.exit("asv_offline: the dashboard loads resources this script does not vendor: " + ", ".join(unknown))
    print(f"asv_offline: {html_dir} now loads its scripts from {vendor}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
