#!/usr/bin/env bash
# Known vulnerabilities in what the project runs on: pip-audit over the project's virtualenv.
#
#   scripts/audit.sh            exit 1 when a dependency has a known vulnerability
#   AUDIT_STRICT=1 scripts/audit.sh   also exit 3 when some dependencies could not be checked
#
# The vulnerability database is OSV (api.osv.dev); when it cannot be reached the script
# falls back to the PyPI JSON API (`--vulnerability-service pypi`) and says so.  A
# dependency the service does not know is reported as "not audited", never as safe.
# The installed environment is audited (runtime and dev dependencies, exactly the versions
# in use), not a fresh resolution of pyproject.toml; the project itself (editable) is skipped.
set -uo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
if [[ ! -x "$PY" ]]; then
    echo "audit: no virtualenv at .venv (run make first)" >&2
    exit 2
fi
if ! "$PY" -m pip_audit --version >/dev/null 2>&1; then
    echo "audit: installing pip-audit into the virtualenv" >&2
    "$PY" -m pip install -q pip-audit || { echo "audit: cannot install pip-audit" >&2; exit 2; }
fi

report=$(mktemp)
errors=$(mktemp)
trap 'rm -f "$report" "$errors"' EXIT

run_audit() {  # $1: vulnerability service
    "$PY" -m pip_audit --vulnerability-service "$1" --skip-editable --progress-spinner off \
        --timeout 20 --format json --output "$report" 2>"$errors"
}

service=osv
run_audit osv
status=$?
if [[ $status -ne 0 && $status -ne 1 ]] || grep -qiE "ConnectionError|NameResolution|timed out" "$errors"; then
    echo "audit: OSV (api.osv.dev) unreachable: $(grep -m1 -oE '[A-Za-z]*Error[^)]*' "$errors" | head -c 160)" >&2
    echo "audit: falling back to the PyPI JSON API (--vulnerability-service pypi)" >&2
    service=pypi
    run_audit pypi
    status=$?
fi
if [[ $status -ne 0 && $status -ne 1 ]]; then
    echo "audit: pip-audit failed (exit $status):" >&2
    tail -n 5 "$errors" >&2
    exit 2
fi

SERVICE=$service "$PY" - "$report" <<'PYTHON'
import json
import os
import sys

data = json.load(open(sys.argv[1], encoding="utf-8"))
deps = data.get("dependencies", [])
vulnerable = [d for d in deps if d.get("vulns")]
skipped = [d for d in deps if "skip_reason" in d and "editable" not in d["skip_reason"]]
audited = [d for d in deps if "skip_reason" not in d]
print(f"pip-audit via {os.environ['SERVICE']}: {len(deps)} dependencies, {len(audited)} audited, "
      f"{len(skipped)} not audited, {len(vulnerable)} with known vulnerabilities")
for dep in vulnerable:
    for vuln in dep["vulns"]:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
        print(f"  VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixes})")
if skipped:
    names = ", ".join(f"{d['name']} {d.get('version', '')}".strip() for d in skipped[:12])
    more = f" and {len(skipped) - 12} more" if len(skipped) > 12 else ""
    print(f"  NOT AUDITED (the service does not know them): {names}{more}")
    print(f"  first reason: {skipped[0]['skip_reason']}")
if vulnerable:
    sys.exit(1)
if skipped and os.environ.get("AUDIT_STRICT") == "1":
    sys.exit(3)
if not audited and deps:
    print("  WARNING: nothing could be audited; this is not a clean bill of health")
PYTHON
