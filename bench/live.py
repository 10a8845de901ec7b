#!/usr/bin/env python3
"""make bench-live: memcached and Redis keep serving while the DIMMs under
their heap are removed.

For each program (Debian's binaries, unmodified) two servers run one after
the other under the same load (bench/kvload.c: load every key, run1, run2,
read every key back and check it):

  normal   the program as it is, its heap the host's
  memhp    the same under `memhpctl preload`: its heap on four 1 GiB DIMMs
           of a memhp machine; during run1 each of them is replaced in
           turn - a new DIMM added, the old one removed (`device del`:
           every block offlined, the live pages migrated, the DIMM gone)

and the report says, per program: keys written, lost, corrupted, client
errors and server restarts (all must be 0 but the first); each removal's
time and the pages it moved (/proc/vmstat pgmigrate_success of the
machine, before and after); throughput during run1 (the removals) and run2
(after them) as ratios to the normal heap's, measured in the same run.

usage: bench/live.py BUILD LIVE_DIR [--gib G] [--value BYTES] [--run1 S]
       [--run2 S] [--programs memcached,redis] [--json OUT]
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, seconds=60):
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


class Ctl:
    """memhpd's control protocol on the preloaded program's socket"""

    def __init__(self, memhpctl, sock):
        self.memhpctl, self.sock = memhpctl, sock

    def run(self, *args):
        return subprocess.run([self.memhpctl, "--socket", self.sock, *args],
                              capture_output=True, text=True)

    def vmstat(self, key):
        r = self.raw(f"read /proc/vmstat")
        for line in r.splitlines():
            k, _, v = line.partition(" ")
            if k == key:
                return int(v)
        raise RuntimeError(f"no {key} in the machine's /proc/vmstat")

    def raw(self, line):
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.sock)
        s.sendall(line.encode() + b"\n")
        f = s.makefile("rb")
        head = f.readline().split()
        if head[0] != b"ok":
            raise RuntimeError(f"{line}: {b' '.join(head).decode()}")
        data = f.read(int(head[1])).decode()
        s.close()
        return data


def server_cmd(prog, live, port, mib):
    bin_dir = os.path.join(live, "usr", "bin")
    if prog == "memcached":
        # -M: out of memory is an error, never a silent eviction (a lost key)
        return [os.path.join(bin_dir, "memcached"), "-l", "127.0.0.1", "-p", str(port), "-U", "0",
                "-m", str(mib), "-M", "-t", "2", "-c", "1024", "-u", "root"]
    return [os.path.join(bin_dir, "redis-server"), "--bind", "127.0.0.1", "--port", str(port),
            "--save", "", "--appendonly", "no", "--protected-mode", "no"]


def removals(ctl, dimms, size, out, start_evt, gap):
    """replace each DIMM in turn: a fresh one in, the old one out"""
    start_evt.wait()
    for i, name in enumerate(dimms):
        time.sleep(gap)
        new = f"new{i}"
        add = ctl.run("device", "add", new, size)
        moved0 = ctl.vmstat("pgmigrate_success")
        t0 = time.time()
        r = ctl.run("device", "del", name)
        secs = time.time() - t0
        out.append({"dimm": name, "rc": r.returncode, "seconds": round(secs, 3),
                    "pages_moved": ctl.vmstat("pgmigrate_success") - moved0,
                    "added": new if add.returncode == 0 else None,
                    "error": (r.stderr + add.stderr).strip()})


def run_one(args, prog, memhp):
    port = free_port()
    keys = int(args.gib * (1 << 30)) // args.value
    mib = int(args.gib * 1024 * 1.6) + 256
    cmd = server_cmd(prog, args.live, port, mib)
    sock = os.path.join(args.build, f"bench-live-{prog}.sock")
    ctl = Ctl(os.path.join(args.build, "memhpctl"), sock)
    if memhp:
        if os.path.exists(sock):
            os.unlink(sock)
        cmd = [ctl.memhpctl, "--socket", sock, "preload", "--dimms", "4x1G", "--mem", "1G",
               "--"] + cmd
    srv = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    res = {"program": prog, "heap": "memhp" if memhp else "normal", "keys": keys}
    try:
        wait_port(port, srv)
        load = [os.path.join(args.build, "kvload"), "--proto", "redis" if prog == "redis" else "memcache",
                "--port", str(port), "--keys", str(keys), "--size", str(args.value), "--conns", "8",
                "--depth", "16", "--load", "--run", str(args.run1), "--run", str(args.run2), "--verify"]
        kv = subprocess.Popen(load, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started, rem = threading.Event(), []
        th = None
        if memhp:
            # the four removals spread over run1, as a fleet would drain devices
            gap = max(1.0, args.run1 / 6)
            th = threading.Thread(target=removals, args=(ctl, ["dimm0", "dimm1", "dimm2", "dimm3"],
                                                         "1G", rem, started, gap))
            th.start()
        ticks, phase = {}, "run1"
        for line in kv.stdout:
            w = line.split()
            if w[0] == "phase":
                res[w[1]] = {"ops": int(w[3]), "seconds": float(w[5]), "ops_per_s": float(w[7])}
                phase = "run2" if w[1] == "run1" else phase
                if w[1] == "load":
                    started.set()
                    res["heap_kb_after_load"] = heap_kb(ctl) if memhp else None
            elif w[0] == "kvload":
                res.update({"written": int(w[8]), "lost": int(w[10]), "corrupted": int(w[12]),
                            "errors": int(w[14])})
            elif w[0] == "tick":
                ticks.setdefault(phase, []).append(int(w[2]))
        kv.wait()
        started.set()
        if th:
            th.join()
        res["client_exit"] = kv.returncode
        res["client_stderr"] = kv.stderr.read().strip()
        res["removals"] = rem
        res["ticks"] = ticks
        res["server_restarts"] = 0 if srv.poll() is None else 1
        # the process's mappings: a multi-GiB heap must stay far from vm.max_map_count
        try:
            with open(f"/proc/{srv.pid}/maps") as f:
                res["mappings"] = sum(1 for _ in f)
        except OSError:
            res["mappings"] = None
        if memhp:
            res["audit"] = ctl.run("audit").returncode == 0
            res["dimms_after"] = ctl.run("device", "list").stdout.split("\n")
    finally:
        if srv.poll() is None:
            srv.send_signal(signal.SIGTERM)
            try:
                srv.wait(30)
            except subprocess.TimeoutExpired:
                srv.kill()
                srv.wait()
    return res


def heap_kb(ctl):
    st = ctl.run("status").stdout
    vals = dict(l.split()[:2] for l in st.splitlines() if l.startswith("Mem"))
    return int(vals["MemTotal"]) - int(vals["MemFree"])


def report(prog, normal, memhp):
    lines = []
    lost = memhp.get("lost", -1) + normal.get("lost", -1)
    during = memhp["run1"]["ops_per_s"] / normal["run1"]["ops_per_s"]
    after = memhp["run2"]["ops_per_s"] / normal["run2"]["ops_per_s"]
    for r in memhp["removals"]:
        lines.append(f"{prog}: removed {r['dimm']} in {r['seconds']:.2f} s, {r['pages_moved']} pages moved"
                     f" (rc {r['rc']}{', ' + r['error'] if r['error'] else ''})")
    ok_removals = sum(1 for r in memhp["removals"] if r["rc"] == 0)
    lines.append(f"{prog}: {len(memhp['removals'])} removals, {ok_removals} succeeded; heap on memhp after"
                 f" the load: {memhp.get('heap_kb_after_load', 0) // 1024} MiB; {memhp.get('mappings')}"
                 f" mappings in the process at the end (normal heap: {normal.get('mappings')}); audit "
                 f"{'ok' if memhp.get('audit') else 'FAILED'}")
    lines.append(f"{prog}: keys {memhp['keys']}, written {memhp.get('written')}, lost {memhp.get('lost')},"
                 f" corrupted {memhp.get('corrupted')}, client errors {memhp.get('errors')},"
                 f" server restarts {memhp['server_restarts']}  (normal heap: lost {normal.get('lost')},"
                 f" corrupted {normal.get('corrupted')}, errors {normal.get('errors')})")
    lines.append(f"{prog}: throughput during the removals {during:.2f}x, after them {after:.2f}x of the"
                 f" normal heap ({memhp['run1']['ops_per_s']:.0f} vs {normal['run1']['ops_per_s']:.0f},"
                 f" {memhp['run2']['ops_per_s']:.0f} vs {normal['run2']['ops_per_s']:.0f} ops/s)")
    good = (ok_removals >= 4 and memhp.get("lost") == 0 and memhp.get("corrupted") == 0
            and memhp.get("errors") == 0 and memhp["server_restarts"] == 0 and memhp.get("audit")
            and lost == 0)
    return lines, good, during, after


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("live")
    ap.add_argument("--gib", type=float, default=2.5)
    ap.add_argument("--value", type=int, default=4000)
    ap.add_argument("--run1", type=float, default=40)
    ap.add_argument("--run2", type=float, default=15)
    ap.add_argument("--programs", default="memcached,redis")
    ap.add_argument("--json")
    args = ap.parse_args()
    results, out, all_good = [], [], True
    for prog in args.programs.split(","):
        normal = run_one(args, prog, False)
        memhp = run_one(args, prog, True)
        results += [normal, memhp]
        lines, good, during, after = report(prog, normal, memhp)
        all_good &= good
        out += lines
        memhp["ratio_during"], memhp["ratio_after"] = round(during, 3), round(after, 3)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    print("\n".join(out))
    print("bench-live: " + ("every removal succeeded, 0 keys lost, 0 corrupted, 0 client errors, 0 restarts"
                            if all_good else "FAILED: see above"))
    return 0 if all_good else 1


if __name__ == "__main__":
    sys.exit(main())
