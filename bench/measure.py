"""Times escalate commands against their floors on generated data directories.

Called by bench/run with the work directory and the sizes to measure. Each command
runs several times; the table shows the median wall time, the peak resident memory
of the slowest run, and the ratio to the floor it is compared with.
"""

import glob
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(os.environ.get("ESCALATE_BIN", "target/release/escalate"))
NOW = "2026-11-23T09:00:00Z"
MONTH = "2026-10"
JQ_MONTH = r"""
reduce (inputs | select(((.happened // .at)[0:7]) == $m)) as $e
  ({opened: 0, escalations: 0, resolved: 0, entered_stage: {}};
   if $e.kind == "opened" then .opened += 1 | .entered_stage[$e.stage|tostring] += 1
   elif $e.kind == "escalated" then .escalations += 1 | .entered_stage[$e.to_stage|tostring] += 1
   elif $e.kind == "resolved" then .resolved += 1
   else . end)
"""


TIME = shutil.which("time") and os.path.exists("/usr/bin/time")


def run(argv, env=None, shell=False):
    """Run once; return (seconds, peak RSS in MiB, or None).

    Peak memory comes from GNU time (`/usr/bin/time -f %M`), which starts the
    command from its own small process: a child forked from this Python process
    would be charged for the interpreter's memory too. For a shell pipeline it is
    the largest process in it.
    """
    script = argv if shell else " ".join(shlex.quote(a) for a in argv)
    with tempfile.NamedTemporaryFile("r") as rss:
        wrapped = ["/usr/bin/time", "-f", "%M", "-o", rss.name, "/bin/sh", "-c", script] if TIME else ["/bin/sh", "-c", script]
        start = time.perf_counter()
        code = subprocess.run(wrapped, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        elapsed = time.perf_counter() - start
        if code != 0:
            raise SystemExit(f"failed: {argv}")
        text = rss.read().strip().splitlines()
    kib = int(text[-1]) if TIME and text and text[-1].isdigit() else None
    return elapsed, (kib / 1024 if kib is not None else None)


def measure(argv, repeat, env=None, shell=False):
    runs = [run(argv, env, shell) for _ in range(repeat)]
    peaks = [m for _, m in runs if m is not None]
    return statistics.median(t for t, _ in runs), (max(peaks) if peaks else None)


def mib(m):
    return f"{m:8.1f} MiB" if m is not None else "       -    "


def fmt(seconds):
    return f"{seconds * 1000:9.1f} ms"


def main():
    work, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
    print(f"Machine: {platform.node()} | {os.cpu_count()} cores | {platform.platform()} | {platform.python_version()}")
    print(f"escalate: {subprocess.run([BIN, '--version'], capture_output=True, text=True).stdout.strip()}")
    for n in sizes:
        data = os.path.join(work, str(n))
        journals = glob.glob(os.path.join(data, "disputes", "*.jsonl"))
        events = 0
        size = 0
        for j in journals:
            size += os.path.getsize(j)
            with open(j, "rb") as f:
                events += sum(1 for _ in f)
        env = dict(os.environ, ESCALATE_DIR=data, ESCALATE_NOW=NOW, ESCALATE_USER="bench", NO_COLOR="1")
        repeat = 5 if n <= 10000 else 3
        print(f"\n{n} disputes, {events} events, {size / 2**20:.1f} MiB of journals")
        cat = measure(f"find '{data}/disputes' -name '*.jsonl' -print0 | xargs -0 cat > /dev/null", repeat, shell=True)
        jq = measure(
            f"find '{data}/disputes' -name '*.jsonl' -print0 | xargs -0 cat | jq -n --arg m {MONTH} '{JQ_MONTH}' > /dev/null",
            repeat, shell=True)
        with tempfile.TemporaryDirectory() as t:
            line = os.path.join(t, "floor.jsonl")
            # dd is a small process, like escalate: one appended line, then fsync.
            fsync = measure(f"printf '%s\\n' '{{\"seq\":1}}' | dd of='{line}' oflag=append conv=notrunc,fsync status=none",
                            repeat, shell=True)
        # An open dispute, so the append is one the rules accept.
        listed = subprocess.run([BIN, "status", "--json"], env=env, capture_output=True, text=True, check=True).stdout
        one = json.loads(listed)[0]["id"]
        rows = [
            ("status", [BIN, "status"], cat, "cat"),
            ("status --json", [BIN, "status", "--json"], cat, "cat"),
            (f"report --month {MONTH}", [BIN, "report", "--month", MONTH, "--json"], jq, "jq"),
            ("show ID", [BIN, "show", one], None, None),
            ("verify", [BIN, "verify"], cat, "cat"),
            ("discuss (one append)", [BIN, "discuss", one, "--note", "bench"], fsync, "fsync"),
        ]
        print(f"  {'command':<24}{'median':>12}{'peak RSS':>11}   {'floor':<6}{'floor time':>12}{'ratio':>8}")
        for name, argv, floor, fname in rows:
            if name == "verify" and subprocess.run([BIN, "verify", "--help"], capture_output=True).returncode != 0:
                continue
            t, rss = measure(argv, repeat, env)
            ratio = f"{t / floor[0]:7.1f}x" if floor else ""
            ftime = fmt(floor[0]) if floor else ""
            print(f"  {name:<24}{fmt(t)}{mib(rss)}   {fname or '':<6}{ftime:>12}{ratio:>8}")
        print(f"  {'floor: cat':<24}{fmt(cat[0])}{mib(cat[1])}")
        print(f"  {'floor: jq month':<24}{fmt(jq[0])}{mib(jq[1])}")
        print(f"  {'floor: fsync append':<24}{fmt(fsync[0])}{mib(fsync[1])}")
        if shutil.which("task"):
            with tempfile.TemporaryDirectory() as t:
                tenv = dict(os.environ, TASKDATA=t, TASKRC="/dev/null")
                subprocess.run(["task", "rc.confirmation=off", "import", "-"], env=tenv, input="\n".join(
                    f'{{"description":"dispute {i}","status":"pending"}}' for i in range(n)), text=True,
                    capture_output=True)
                tl = measure(["task", "rc.verbose=nothing", "list"], repeat, tenv)
                print(f"  {'taskwarrior task list':<24}{fmt(tl[0])}{mib(tl[1])}")


if __name__ == "__main__":
    main()
