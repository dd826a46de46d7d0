"""Fetch the web application's third-party files from the npm registry at their pinned versions (`make assets`).

The list is `service/web/static/vendor/assets.json`: package, exact version, the file inside the package, where it
goes, its licence and its SHA-256. Each package is fetched with `npm pack`, the file and the package's licence are
copied next to it (`<target>.LICENSE`), and the sum is checked: a mismatch stops with an error, so a file can only
change by a deliberate version bump, run with `--update` to record the new sums.
"""

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "service" / "web" / "static" / "vendor" / "assets.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(asset: dict[str, str], workdir: Path) -> Path:
    """Unpack `package@version` from the npm registry into `workdir`; returns the package's folder."""
    spec = f"{asset['package']}@{asset['version']}"
    out = subprocess.run(["npm", "pack", spec, "--silent", "--pack-destination", str(workdir)], check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    unpacked = workdir / out.removesuffix(".tgz")
    with tarfile.open(workdir / out) as archive:
        archive.extractall(unpacked, filter="data")
    return unpacked / "package"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="record the fetched files' sums in the manifest")
    args = parser.parse_args()
    manifest = json.loads(MANIFEST.read_text())
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for asset in manifest["assets"]:
            package = fetch(asset, Path(tmp))
            target = ROOT / asset["target"]
            target.parent.mkdir(parents=True, exist_ok=True)
            source = package / asset["file"]
            got = sha256(source)
            if not args.update and got != asset["sha256"]:
                print(f"{asset['package']}@{asset['version']} {asset['file']}: sha256 {got}, expected "
                      f"{asset['sha256']}", file=sys.stderr)
                failed = True
                continue
            shutil.copyfile(source, target)
            shutil.copyfile(package / asset["licence_file"], target.with_name(target.name + ".LICENSE"))
            asset["sha256"] = got
            print(f"{asset['target']}: {asset['package']}@{asset['version']} ({asset['licence']}) {got[:16]}…")
    if args.update:
        MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
