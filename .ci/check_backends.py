"""Fail unless the database tests ran, and passed, on PostgreSQL as often as on SQLite."""

import sys
import xml.etree.ElementTree as ET


def main(path: str) -> int:
    passed = {"sqlite": 0, "postgresql": 0}
    for case in ET.parse(path).getroot().iter("testcase"):
        if any(child.tag in ("failure", "error", "skipped") for child in case):
            continue
        for backend in passed:
            if f"[{backend}" in case.get("name", "") or f"-{backend}]" in case.get("name", ""):
                passed[backend] += 1
    print(f"database tests passed: sqlite {passed['sqlite']}, postgresql {passed['postgresql']}")
    if passed["postgresql"] == 0 or passed["postgresql"] != passed["sqlite"]:
        print("ci: the PostgreSQL tests did not all run", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
