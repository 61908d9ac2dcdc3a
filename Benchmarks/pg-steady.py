#!/usr/bin/env python3
"""Laurel's daemons at a steady rate of due timers on PostgreSQL: lateness, duplicates, losses.

The companion of Benchmarks/pg-peers.sh (the burst): the same PostgreSQL 15 cluster settings and
the same effect table, from the shared driver (shared/bench/pg-peers/bench.py, whose Cluster this
uses), but the timers fall due RATE a second for SECONDS, each at its own whole second, and the
lateness of each is its effect's commit time minus its own due instant. With --kill, daemon A gets
SIGKILL half way through and starts again 2 s later.

  Benchmarks/pg-steady.py [--rate 500] [--seconds 60] [--kill] [--reps 3]

Run it with the venv Benchmarks/pg-peers.sh makes (.build/pg-peers-venv/bin/python), as root,
after a release build (Benchmarks/pg-peers.sh builds it).
"""
from __future__ import annotations

import argparse
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS = Path(os.environ.get("PG_PEERS", ROOT.parent / "shared" / "bench" / "pg-peers"))
sys.path.insert(0, str(PEERS))
import bench  # noqa: E402  (the shared driver: its cluster, the effect table)
import psycopg  # noqa: E402

LAUREL = ROOT / ".build" / "release" / "laurel"
BENCH = ROOT / ".build" / "release" / "laurel-bench"


def run_once(cluster: bench.Cluster, rate: int, seconds: int, kill: bool, rep: int, workflows: Path) -> dict:
    db = f"steady_{rate}_{rep}{'_kill' if kill else ''}"
    cluster.admin(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    cluster.admin(f"CREATE DATABASE {db}")
    dsn = cluster.dsn(db)
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute(bench.EFFECT_DDL)
    workflow = str(workflows / "timer-burst.yaml")
    subprocess.run([str(BENCH), "pg-burst-setup", dsn, "--workflow", workflow], check=True)
    n = rate * seconds
    lead = 8 + n * 0.0005
    first_due = math.ceil(time.time() + lead)
    out = subprocess.run([str(BENCH), "pg-burst-enqueue", dsn, "--count", str(n), "--due-epoch", str(first_due),
                          "--rate", str(rate), "--workflow", workflow], check=True, capture_output=True, text=True)
    if time.time() > first_due - 2:
        raise RuntimeError("the enqueue ran past the first due instant; raise the lead")
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute("ANALYZE")
        c.execute("CHECKPOINT")
    logs = Path(tempfile.mkdtemp(prefix="pg-steady-logs-"))

    def start(name: str) -> subprocess.Popen:
        return subprocess.Popen([str(LAUREL), "serve", "--database", dsn, "--workflows", str(workflows), "--name", name,
                                 "--log-level", "notice"], stdout=open(logs / f"{name}.log", "w"),
                                stderr=subprocess.STDOUT)

    workers = {"A": start("A"), "B": start("B")}
    killed_at = None
    deadline = first_due + seconds + 60
    try:
        with psycopg.connect(dsn, autocommit=True) as mon:
            while time.time() < deadline:
                count = mon.execute("SELECT count(DISTINCT job_id) FROM effect").fetchone()[0]
                if kill and killed_at is None and time.time() >= first_due + seconds / 2:
                    workers["A"].send_signal(signal.SIGKILL)
                    workers["A"].wait()
                    killed_at = time.time()
                if killed_at is not None and "A2" not in workers and time.time() >= killed_at + 2:
                    workers["A2"] = start("A2")
                if count >= n:
                    time.sleep(2)  # a duplicate would come late
                    break
                time.sleep(0.2)
            rows = mon.execute(
                "SELECT job_id, extract(epoch FROM at)::float8 FROM effect ORDER BY job_id, at").fetchall()
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(15)
        shutil.rmtree(logs, ignore_errors=True)
        cluster.admin(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    first: dict[int, float] = {}
    for job, at in rows:
        first.setdefault(job, at)
    lateness = sorted(at - (first_due + job // rate) for job, at in first.items())
    after_kill = [at - (first_due + job // rate) for job, at in first.items() if killed_at and at >= killed_at]

    def pct(values: list[float], p: float) -> float | None:
        return values[min(len(values) - 1, int(p * len(values)))] if values else None

    return {"rate": rate, "seconds": seconds, "n": n, "kill": kill, "rep": rep,
            "enqueue": out.stdout.strip(), "lost": n - len(first), "duplicates": len(rows) - len(first),
            "p50_s": pct(lateness, 0.50), "p99_s": pct(lateness, 0.99), "max_s": lateness[-1] if lateness else None,
            "max_after_kill_s": max(after_kill) if after_kill else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--kill", action="store_true")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    for path in (LAUREL, BENCH):
        if not path.exists():
            print(f"{path} is missing: run Benchmarks/pg-peers.sh first (it builds both, release)", file=sys.stderr)
            return 2
    workflows = Path(tempfile.mkdtemp(prefix="pg-steady-workflows-"))
    shutil.copy(ROOT / "Benchmarks" / "workflows" / "timer-burst.yaml", workflows)
    results = []
    with bench.Cluster() as cluster:
        for rep in range(1, args.reps + 1):
            r = run_once(cluster, args.rate, args.seconds, args.kill, rep, workflows)
            results.append(r)
            fmt = lambda v: "NA" if v is None else f"{v * 1000:.0f}"  # noqa: E731
            print(f"laurel steady rate={r['rate']}/s n={r['n']} kill={r['kill']} rep={rep} lost={r['lost']} "
                  f"duplicates={r['duplicates']} p50_ms={fmt(r['p50_s'])} p99_ms={fmt(r['p99_s'])} "
                  f"max_ms={fmt(r['max_s'])} max_after_kill_ms={fmt(r['max_after_kill_s'])}", flush=True)
    shutil.rmtree(workflows, ignore_errors=True)
    p99 = [r["p99_s"] for r in results if r["p99_s"] is not None]
    if p99:
        print(f"p99 lateness median {statistics.median(p99) * 1000:.0f} ms "
              f"({min(p99) * 1000:.0f}-{max(p99) * 1000:.0f}) over {len(p99)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
