#!/usr/bin/python3
"""Validates netdoctor JSON reports against docs/report.schema.json.

usage: validate_report.py SCHEMA REPORT.json...   (REPORT may be - for standard input)

Besides the schema it checks what a schema cannot say: every `explained_by`, every
`causes[].check` and the root cause's `check_id` name a check of the same report, a check's
`explained_by` is the `check` of one of its causes, the root cause's code is carried by a
failing check, and each layer's status is the worst of its checks. Prints one line per
problem; exit 0 when every report is valid, 1 when one is not, 2 on bad usage.
"""
import json
import sys

import jsonschema

RANK = {"pass": 0, "skip": -1, "warn": 1, "fail": 2}


def name(check):
    """A check as problems name it: its id, and its source when it has one (ids repeat per source)."""
    source = check.get("source")
    return f"check {check.get('id')}" + (f" (source {source})" if source else "")


def semantic_problems(report):
    problems = []
    checks = [c for layer in report.get("layers", []) for c in layer.get("checks", [])]
    ids = {c.get("id") for c in checks}
    for c in checks:
        by = c.get("explained_by")
        if by is not None and by not in ids:
            problems.append(f"{name(c)}: explained_by {by!r} names no check")
        causes = c.get("causes", [])
        linked = {cause.get("check") for cause in causes if "check" in cause}
        for cause in causes:
            if "check" in cause and cause["check"] not in ids:
                problems.append(f"{name(c)}: cause {cause.get('code')!r} names check "
                                f"{cause['check']!r}, which is not in the report")
        if by and by not in linked:
            problems.append(f"{name(c)}: explained_by {by!r} is the check of none of its causes "
                            f"({'linked to ' + ', '.join(sorted(linked)) if linked else 'none linked'})")
    cause = report.get("root_cause")
    if isinstance(cause, dict):
        if "check_id" in cause and cause["check_id"] not in ids:
            problems.append(f"root_cause.check_id {cause['check_id']!r} names no check")
        if not any(c.get("status") == "fail" and c.get("code") == cause.get("code") for c in checks):
            problems.append(f"root_cause.code {cause.get('code')!r} is on no failing check")
    failed = any(c.get("status") == "fail" for c in checks)
    if report.get("verdict") == "healthy" and failed:
        problems.append("verdict healthy but a check failed")
    if report.get("verdict") == "faulty" and not failed:
        problems.append("verdict faulty but no check failed")
    for layer in report.get("layers", []):
        statuses = [c.get("status") for c in layer.get("checks", [])]
        if not statuses:
            want = "skip"
        elif any(s in ("pass", "warn", "fail") for s in statuses):
            want = max((s for s in statuses if s != "skip"), key=RANK.get)
        else:
            want = "skip"
        if layer.get("status") != want:
            problems.append(f"layer {layer.get('layer')}: status {layer.get('status')!r}, its checks say {want!r}")
    return problems


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        schema = json.load(f)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    bad = 0
    for path in argv[2:]:
        try:
            text = sys.stdin.read() if path == "-" else open(path).read()
            report = json.loads(text)
        except (OSError, ValueError) as e:
            print(f"{path}: not JSON: {e}")
            bad += 1
            continue
        problems = [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message[:300]}"
                    for e in sorted(validator.iter_errors(report), key=lambda e: list(e.absolute_path))]
        if not problems:
            problems = semantic_problems(report)
        for p in problems:
            print(f"{path}: {p}")
        bad += bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
