#!/usr/bin/env python3
"""text_parity.py RUN.json RUN.txt: memhpctl run's text says what its JSON says.

Both renderings come from one result per step; this holds them against each
other, step by step: every write (path, value, ok or the errno's name and
number), every hotadd's result, hog's KiB and skip reason.  Exit 1 and the
first difference when they disagree.
"""
import json
import re
import sys


def expected_lines(action, verb, line):
    if action.get("result") == "skipped":
        return ["skipped: " + action["reason"]]
    out = []
    for w in action.get("writes", []):
        head = "write %s > %s: " % (w["value"], w["path"])
        if w["result"] == "ok":
            out.append(head + "ok")
        elif w["result"] == "timeout":
            out.append(head + "timeout")
        else:
            out.append(head + "%s (errno %d," % (w["errno_name"], w["errno"]))
    if verb == "hotadd" and action.get("result") == "ost":
        out.append("result: ost addr=%#x blocks=%d-%d" % (action["addr"], action["blocks"][0],
                                                           action["blocks"][-1]))
    elif verb == "remove":
        out.append("result: " + ("rejected (DEVICE_BUSY)" if action["result"] == "rejected" else action["result"]))
    elif verb == "hog":
        out.append("hog %s: got %d KiB" % (line.split()[1], action["got_kib"]))
    elif verb == "where":
        out += ["block %s: %d pages" % (b, n) for b, n in action["pages_per_block"].items()]
    return out


def text_steps(text):
    steps, cur = {}, None
    for ln in text.splitlines():
        m = re.match(r"^step (\d+): ", ln)
        if m:
            cur = steps.setdefault(int(m.group(1)), [])
        elif cur is not None and ln.startswith("  "):
            cur.append(ln[2:])
    return steps


def main(argv):
    run = json.load(open(argv[1]))
    text = text_steps(open(argv[2]).read())
    if len(text) != len(run["steps"]):
        print("steps: %d in JSON, %d in text" % (len(run["steps"]), len(text)))
        return 1
    checked = 0
    for st in run["steps"]:
        lines = text[st["index"]]
        for want in expected_lines(st["action"], st["verb"], st["line"]):
            if not any(ln.startswith(want) for ln in lines):
                print("step %d (%s): text lacks %r" % (st["index"], st["line"], want))
                return 1
            checked += 1
    print("%d steps, %d statements equal in text and JSON" % (len(run["steps"]), checked))
    return 0 if checked else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
