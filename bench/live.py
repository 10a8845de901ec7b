#!/usr/bin/env python3
"""make bench-live: memcached and Redis keep serving while the DIMMs under
their heap are removed.

For each program (Debian's binaries, unmodified) two servers run side by
side under the same load (bench/kvload.c: load every key, run1, run2,
read every key back and check it), their phases alternating so that each
comparison is between runs next to each other in time - the normal
heap's run1 is half before and half after the memhp run1 it is compared
with:

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
  BUILD      the build directory (memhpctl and kvload: make all BUILD/kvload)
  LIVE_DIR   where scripts/install-live-deps.sh unpacked the servers
  --gib      GiB of values loaded (default 2.5); --value: bytes a value
             (4000); --run1, --run2: seconds of each run (40, 15);
             --json: the results also written to OUT
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


class Server:
    """one program under test: its heap the host's (normal) or memhp's"""

    def __init__(self, args, prog, memhp):
        self.args, self.prog, self.memhp = args, prog, memhp
        self.port = free_port()
        self.keys = int(args.gib * (1 << 30)) // args.value
        mib = int(args.gib * 1024 * 1.6) + 256
        cmd = server_cmd(prog, args.live, self.port, mib)
        sock = os.path.join(args.build, f"bench-live-{prog}.sock")
        self.state = os.path.join(args.build, f"bench-live-{prog}-{'memhp' if memhp else 'normal'}.state")
        self.ctl = Ctl(os.path.join(args.build, "memhpctl"), sock)
        for f in (sock, self.state):
            if os.path.exists(f):
                os.unlink(f)
        if memhp:
            cmd = [self.ctl.memhpctl, "--socket", sock, "preload", "--dimms", "4x1G", "--mem", "1G",
                   "--"] + cmd
        self.srv = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.res = {"program": prog, "heap": "memhp" if memhp else "normal", "keys": self.keys,
                    "ticks": {}, "written": 0, "lost": 0, "corrupted": 0, "errors": 0}
        wait_port(self.port, self.srv)

    def kvload(self, phase, *opts, on_start=None):
        """one phase as its own kvload, the versions carried in the state file"""
        cmd = [os.path.join(self.args.build, "kvload"), "--proto", "redis" if self.prog == "redis" else "memcache",
               "--port", str(self.port), "--keys", str(self.keys), "--size", str(self.args.value),
               "--conns", "8", "--depth", "16", "--state", self.state, *opts]
        kv = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if on_start:
            on_start()
        for line in kv.stdout:
            w = line.split()
            if w[0] == "phase":
                self.res[phase] = {"ops": int(w[3]), "seconds": float(w[5]), "ops_per_s": float(w[7])}
            elif w[0] == "tick":
                self.res["ticks"].setdefault(phase, []).append(int(w[2]))
            elif w[0] == "kvload":
                for k, v in (("written", w[8]), ("lost", w[10]), ("corrupted", w[12]), ("errors", w[14])):
                    self.res[k] += int(v)
        kv.wait()
        err = kv.stderr.read().strip()
        if kv.returncode:
            self.res.setdefault("client_failures", []).append(f"{phase}: exit {kv.returncode} {err}")
        return self.res.get(phase, {}).get("ops_per_s", 0)

    def finish(self):
        r = self.res
        r["server_restarts"] = 0 if self.srv.poll() is None else 1
        # the process's mappings: a multi-GiB heap must stay far from vm.max_map_count
        try:
            with open(f"/proc/{self.srv.pid}/maps") as f:
                r["mappings"] = sum(1 for _ in f)
        except OSError:
            r["mappings"] = None
        if self.memhp:
            r["audit"] = self.ctl.run("audit").returncode == 0
            r["dimms_after"] = self.ctl.run("device", "list").stdout.split("\n")
        if self.srv.poll() is None:
            self.srv.send_signal(signal.SIGTERM)
            try:
                self.srv.wait(30)
            except subprocess.TimeoutExpired:
                self.srv.kill()
                self.srv.wait()
        return r


def run_program(args, prog):
    """both heaps live at once, their phases alternating so that each
    comparison is between runs next to each other in time"""
    normal, memhp = Server(args, prog, False), Server(args, prog, True)
    try:
        normal.kvload("load", "--load")
        memhp.kvload("load", "--load")
        memhp.res["heap_kb_after_load"] = heap_kb(memhp.ctl)
        half = str(args.run1 / 2)
        normal.kvload("run1a", "--run", half)
        rem, started = [], threading.Event()
        th = threading.Thread(target=removals, args=(memhp.ctl, ["dimm0", "dimm1", "dimm2", "dimm3"], "1G",
                                                     rem, started, max(1.0, args.run1 / 6)))
        th.start()
        memhp.kvload("run1", "--run", str(args.run1), on_start=started.set)
        th.join()
        memhp.res["removals"] = rem
        normal.kvload("run1b", "--run", half)
        memhp.kvload("run2", "--run", str(args.run2))
        normal.kvload("run2", "--run", str(args.run2))
        normal.kvload("verify", "--verify")
        memhp.kvload("verify", "--verify")
    finally:
        n, m = normal.finish(), memhp.finish()
    n["run1"] = {"ops_per_s": (n["run1a"]["ops_per_s"] + n["run1b"]["ops_per_s"]) / 2}
    return n, m


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
    for r in (normal, memhp):
        for f in r.get("client_failures", []):
            lines.append(f"{prog}: {r['heap']} heap: client {f}")
    good = (not normal.get("client_failures") and not memhp.get("client_failures")
            and ok_removals >= 4 and memhp.get("lost") == 0 and memhp.get("corrupted") == 0
            and memhp.get("errors") == 0 and memhp["server_restarts"] == 0 and memhp.get("audit")
            and lost == 0)
    return lines, good, during, after


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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
        normal, memhp = run_program(args, prog)
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
