#!/usr/bin/env python3
"""Validates a `gridctl ps --json` or `gridctl nodes --json` document against
its schema (docs/schema/), then checks the facts the caller names:
  --programs N      exactly N programs (ps) or jobs (nodes)
  --beyond N        N processes or threads marked beyond_bound in all
  --source S        every program's process tolerance comes from S
  --threads N       N threads listed in all (the sum of the groups' counts)
  --nodes N         every program (ps) or job (nodes) lists N nodes
Prints "valid" and exits 0, or names what is wrong and exits 1."""
import argparse
import json
import sys

import jsonschema


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("schema")
    p.add_argument("document")
    p.add_argument("--programs", type=int)
    p.add_argument("--beyond", type=int)
    p.add_argument("--source")
    p.add_argument("--threads", type=int)
    p.add_argument("--nodes", type=int)
    a = p.parse_args()
    with open(a.schema) as f:
        schema = json.load(f)
    with open(a.document) as f:
        doc = json.load(f)
    try:
        jsonschema.validate(doc, schema)
    except jsonschema.ValidationError as e:
        sys.exit("invalid: %s at %s" % (e.message, list(e.absolute_path)))
    items = doc.get("programs", doc.get("jobs"))
    problems = []
    if a.programs is not None and len(items) != a.programs:
        problems.append("%d programs, expected %d" % (len(items), a.programs))
    if "programs" in doc:
        work = [w for prog in items for n in prog["nodes"]
                for w in n["threads"] + n["processes"]]
        beyond = sum(w.get("count", 1) for w in work if w["beyond_bound"])
        threads = sum(w["count"] for prog in items for n in prog["nodes"]
                      for w in n["threads"])
        if a.beyond is not None and beyond != a.beyond:
            problems.append("%d beyond the bound, expected %d" % (beyond, a.beyond))
        if a.threads is not None and threads != a.threads:
            problems.append("%d threads, expected %d" % (threads, a.threads))
        for prog in items:
            src = prog["process_tolerance"]["source"]
            if a.source is not None and src != a.source:
                problems.append("pid %d: process tolerance from %s, expected %s"
                                % (prog["pid"], src, a.source))
    if a.nodes is not None:
        for item in items:
            if len(item["nodes"]) != a.nodes:
                problems.append("pid %d: %d nodes, expected %d"
                                % (item["pid"], len(item["nodes"]), a.nodes))
    if problems:
        sys.exit("; ".join(problems))
    print("valid")


if __name__ == "__main__":
    main()
