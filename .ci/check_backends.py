"""Fail unless every database test ran, and passed, on PostgreSQL (none skipped, as many as were collected for
SQLite), and the browser tests (tests/browser) ran on both.

A test may skip on SQLite by design (several worker processes need a server database); none may skip on PostgreSQL,
which is what production runs."""

import sys
import xml.etree.ElementTree as ET

BACKENDS = ("sqlite", "postgresql")


def _backend_of(name: str) -> str | None:
    return next((b for b in BACKENDS if f"[{b}" in name or f"-{b}]" in name), None)


def main(path: str) -> int:
    collected = dict.fromkeys(BACKENDS, 0)
    passed = dict.fromkeys(BACKENDS, 0)
    browser = dict.fromkeys(BACKENDS, 0)
    for case in ET.parse(path).getroot().iter("testcase"):
        backend = _backend_of(case.get("name", ""))
        if backend is None:
            continue
        collected[backend] += 1
        if any(child.tag in ("failure", "error", "skipped") for child in case):
            continue
        passed[backend] += 1
        if case.get("classname", "").startswith("tests.browser."):
            browser[backend] += 1
    print(f"database tests passed: sqlite {passed['sqlite']}, postgresql {passed['postgresql']}")
    print(f"browser tests passed: sqlite {browser['sqlite']}, postgresql {browser['postgresql']}")
    failed = 0
    if passed["postgresql"] == 0 or passed["postgresql"] != collected["postgresql"] or (
        collected["postgresql"] < collected["sqlite"]
    ):
        print("ci: the PostgreSQL tests did not all run", file=sys.stderr)
        failed = 1
    if browser["sqlite"] == 0 or browser["postgresql"] != browser["sqlite"]:
        print("ci: the browser tests did not all run (is Chromium installed?)", file=sys.stderr)
        failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
