#!/usr/bin/env python3
"""Instructions per request from a callgrind dump, by function (self cost).

Usage: callgrind_top.py REQUESTS callgrind.out [more dumps...]

Prints the total user-space instructions divided by REQUESTS, then the 30 functions with the
most instructions of their own. Reads callgrind's format directly (name compression, call
lines) because callgrind_annotate folds Rust's inlined frames into the thread's entry point.
Standard library only.
"""

import collections
import re
import sys


def self_costs(path, names, costs):
    current = None
    after_call = False
    with open(path) as f:
        for line in f:
            if line.startswith("fn="):
                current = resolve(line[3:].rstrip("\n"), names)
            elif line.startswith("calls="):
                after_call = True
            elif line[:1].isdigit() or line[:1] in "+-*":
                parts = line.split()
                if len(parts) >= 2:
                    if after_call:
                        after_call = False  # inclusive cost of a call, not the caller's own
                    else:
                        costs[current] += int(parts[1])
            elif line.startswith("cfn="):
                resolve(line[4:].rstrip("\n"), names)


def resolve(spec, names):
    m = re.match(r"\((\d+)\)(?: (.*))?", spec)
    if not m:
        return spec
    if m.group(2):
        names[m.group(1)] = m.group(2)
    return names.get(m.group(1), m.group(1))


def main():
    requests = int(sys.argv[1])
    costs = collections.Counter()
    for path in sys.argv[2:]:
        self_costs(path, {}, costs)
    total = sum(costs.values())
    print(f"instructions per request: {total / requests:,.0f}")
    print()
    print("| instructions/request | share | function (self) |")
    print("|---:|---:|---|")
    for name, cost in costs.most_common(30):
        print(f"| {cost / requests:,.0f} | {100 * cost / total:.1f}% | `{name[:110]}` |")


if __name__ == "__main__":
    main()
