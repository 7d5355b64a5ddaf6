"""Counts the fuzz run's answers per operation (the hooks' tally: `METHOD path status code`
lines, the code being a refusal's problem code) and prints how many of the document's
operations were answered with a success (2xx) at least once, naming those that were not
with the refusals they met most. It fails unless every operation was.

Usage: python3 tally.py OPENAPI_JSON TALLY
"""

import collections
import json
import sys

doc = json.load(open(sys.argv[1]))
operations = [
    f"{method.upper()} {path}"
    for path, item in doc["paths"].items()
    for method in item
    if method in ("get", "put", "post", "patch", "delete")
]
answers = collections.defaultdict(collections.Counter)
refusals = collections.defaultdict(collections.Counter)
with open(sys.argv[2]) as tally:
    for line in tally:
        method, path, status, code = line.split()
        answers[f"{method} {path}"][int(status) // 100] += 1
        refusals[f"{method} {path}"][f"{status} {code}"] += 1
calls = sum(sum(c.values()) for c in answers.values())
accepted = [op for op in operations if answers[op][2] > 0]
print(f"api fuzz: {len(accepted)} of {len(operations)} operations answered a success, {calls} calls")
for op in operations:
    if answers[op][2] == 0:
        seen = ", ".join(f"{why}: {n}" for why, n in refusals[op].most_common(4)) or "never called"
        print(f"  no success: {op} ({seen})")
if len(accepted) < len(operations):
    print("api fuzz: every operation must be done at least once with valid data: ground its cases "
          "(scripts/api-fuzz/ground.py) or link it from the operation that makes what it acts on")
    sys.exit(1)
