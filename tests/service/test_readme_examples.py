"""The README's API examples, run in order against a real server holding a freshly loaded demo (so they cannot rot).

The demo is loaded with `doorstroom demo --keys-file demo-keys.json`, then `doorstroom serve` answers on a free port;
the `sh` blocks of the README's "Using the API, per role" section run in one bash, in a directory holding that
`demo-keys.json` and the checkout's `data/`, with only the README's `API=` pointed at the server. Every curl there
is `curl -f`, and bash stops at the first failing command.
"""

import os
import re
import subprocess
from pathlib import Path

import httpx

from tests.service.test_workers import DOORSTROOM, _free_port, serving

ROOT = Path(__file__).resolve().parents[2]
SECTION = "## Using the API, per role"
README_API = "API=http://127.0.0.1:8000"
# The ids and keys the examples capture from earlier answers; each must be set when the blocks have run.
CAPTURED = ["COORD", "CORP", "CARE", "ID", "SPARE", "VERSION", "CLIENT", "REG", "PROVIDER", "PROVIDER_KEY"]


def readme_api_blocks() -> list[str]:
    """The `sh` blocks of the README's section on using the API, in order."""
    text = (ROOT / "README.md").read_text()
    start = text.index(SECTION)
    end = text.index("\n## ", start + len(SECTION))
    return re.findall(r"^```sh\n(.*?)^```", text[start:end], flags=re.S | re.M)


def test_the_readme_has_the_api_examples_it_runs():
    blocks = readme_api_blocks()
    assert len(blocks) >= 6
    assert README_API in blocks[0]
    assert "@data/sample-places.geojson" in "".join(blocks) and (ROOT / "data" / "sample-places.geojson").exists()
    waiting_list = "@data/sample-waiting-list.csv"
    assert "".join(blocks).count(waiting_list) == 2 and (ROOT / "data" / "sample-waiting-list.csv").exists()
    for block in blocks:
        for line in block.splitlines():
            assert "curl -s " not in line, f"a README example without -f hides its failures: {line}"


def test_every_readme_example_runs_in_order_against_the_demo(fresh_database_url, tmp_path):
    env = {**os.environ, "DOORSTROOM_DATABASE_URL": fresh_database_url, "DOORSTROOM_TICK_SECONDS": "0",
           "DOORSTROOM_DEV_MODE": "1", "DOORSTROOM_RATE_LIMIT_ENABLED": "false"}
    loaded = subprocess.run([DOORSTROOM, "demo", "--keys-file", "demo-keys.json"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr
    (tmp_path / "data").symlink_to(ROOT / "data")

    port = _free_port()
    command = [DOORSTROOM, "serve", "--host", "127.0.0.1", "--port", str(port)]
    with serving(command, env, port, tmp_path / "serve.err") as base:
        blocks = readme_api_blocks()
        script = "\n".join(["set -euo pipefail", blocks[0].replace(README_API, f"API={base}"), *blocks[1:], "echo",
                            *(f'echo "captured {name}=${{{name}:-}}"' for name in CAPTURED)])
        ran = subprocess.run(["bash", "-c", script], cwd=tmp_path, env={**os.environ}, capture_output=True,
                             text=True, timeout=120)
        assert ran.returncode == 0, f"{ran.stderr}\n--- output ---\n{ran.stdout[-4000:]}"
        captured = dict(re.findall(r"^captured (\w+)=(.*)$", ran.stdout, flags=re.M))
        assert set(captured) == set(CAPTURED)
        assert all(captured.values()), captured

        dwelling = httpx.get(f"{base}/v1/dwellings/{captured['ID']}",
                             headers={"Authorization": f"Bearer {captured['CORP']}"}).json()
        assert dwelling["status"] == "let"  # the dwelling of the examples went the whole way
        shortlist = httpx.get(f"{base}/v1/dwellings/{captured['ID']}/shortlist",
                              headers={"Authorization": f"Bearer {captured['COORD']}"}).json()
        assert len(shortlist["candidates"]) == 3  # the README promises three
        imported: list[dict] = []
        while not imported or len(imported) % 100 == 0:
            page = httpx.get(f"{base}/v1/registrations", params={"limit": 100, "offset": len(imported)},
                             headers={"Authorization": f"Bearer {captured['COORD']}"}).json()["items"]
            if not page:
                break
            imported += page
        sample = (ROOT / "data" / "sample-waiting-list.csv").read_text().splitlines()[1:]
        refs = {line.split(",")[1] for line in sample}
        found = [r for r in imported if r["client_ref"] in refs]
        assert {r["client_ref"] for r in found} == refs  # the sample waiting list was imported
        assert all(r["waiting_since_reason"].startswith("sample-waiting-list.csv") for r in found)
