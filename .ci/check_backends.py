"""Fail unless the database tests ran, and passed, on PostgreSQL as often as on SQLite, and the browser tests
(tests/browser) ran on both."""

import sys
import xml.etree.ElementTree as ET

BACKENDS = ("sqlite", "postgresql")


def _backend_of(name: str) -> str | None:
    return next((b for b in BACKENDS if f"[{b}" in name or f"-{b}]" in name), None)


def main(path: str) -> int:
    passed = dict.fromkeys(BACKENDS, 0)
    browser = dict.fromkeys(BACKENDS, 0)
    for case in ET.parse(path).getroot().iter("testcase"):
        if any(child.tag in ("failure", "error", "skipped") for child in case):
            continue
        backend = _backend_of(case.get("name", ""))
        if backend is None:
            continue
        passed[backend] += 1
        if case.get("classname", "").startswith("tests.browser."):
            browser[backend] += 1
    print(f"database tests passed: sqlite {passed['sqlite']}, postgresql {passed['postgresql']}")
    print(f"browser tests passed: sqlite {browser['sqlite']}, postgresql {browser['postgresql']}")
    failed = 0
    if passed["postgresql"] == 0 or passed["postgresql"] != passed["sqlite"]:
        print("ci: the PostgreSQL tests did not all run", file=sys.stderr)
        failed = 1
    if browser["sqlite"] == 0 or browser["postgresql"] != browser["sqlite"]:
        print("ci: the browser tests did not all run (is Chromium installed?)", file=sys.stderr)
        failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
