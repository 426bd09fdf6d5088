"""`make bench`: every benchmark in one run, printed as a table and saved as JSON under var/bench/.

Each figure is printed next to its baseline measured in the same run, on the same machine, as a ratio:
absolute numbers vary from run to run, ratios hold.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from bench import console, e2e, feed, intake, pipeline, push, query, scale

RESULTS_DIR = Path("var") / "bench"
TARGETS = {
    "intake ratio (≥ 0.5)": lambda r: r["intake"]["ratio"] >= 0.5,
    "intake vs django-anymail (≥ 1.0)": lambda r: r["intake"]["ratio_anymail"] >= 1.0,
    "intake errors (0)": lambda r: r["intake"]["errors_all_rounds"] == 0,
    "intake p99 (< 50 ms)": lambda r: r["intake"]["intake"]["p99_ms"] < 50,
    "pipeline ratio (≥ 0.3)": lambda r: r["pipeline"]["ratio"] >= 0.3,
    "pipeline rate (≥ 10,000/s)": lambda r: r["pipeline"]["events_per_second"] >= 10_000,
    "e2e lag p99 (< 2 s)": lambda r: r["e2e"]["lag_p99_ms"] < 2000,
    "e2e exactly once": lambda r: r["e2e"]["exactly_once"],
    "query p99 (< 50 ms)": lambda r: all(v["p99_ms"] < 50 for v in r["query"]["endpoints"].values()),
    "worker RSS flat (< 10% growth)": lambda r: r["memory"]["rss_growth"] < 0.10,
    "feed wake-up p99 (< 1 s)": lambda r: r["feed"]["wake_p99_ms"] < 1000,
    "push rate vs the drain's (≥ 1)": lambda r: r["push"]["ratio"] >= 1,
    "push exactly once": lambda r: r["push"]["exactly_once"],
    "scale list p99 (< 50 ms)": lambda r: all(v["p99_ms"] < 50 for v in r["scale"]["endpoints"].values()),
    "scale domain + time plan reads only its days": lambda r: (
        r["scale"]["pruning"]["domain+time"]["partitions_read"]
        <= r["scale"]["pruning"]["domain+time"]["partitions_needed"]
    ),
    "scale drain into the full table (within 10%)": lambda r: r["scale"]["drain"]["ratio"] >= 0.9,
    "scale day dropped (< 1 s, no bloat)": lambda r: (
        r["scale"]["retention"]["drop"]["seconds"] < 1 and r["scale"]["retention"]["drop"]["bloat_mib"] == 0
    ),
    "console pages p99 (< 100 ms)": lambda r: all(
        v["p99_ms"] < console.TARGET_P99_MS for k, v in r["console"]["pages"].items() if k not in console.SLOW
    ),
}
SMOKE = {
    "intake": {"seconds": 5, "rounds": 1},
    "pipeline": {"rows": 2000},
    "e2e": {"rate": 100, "seconds": 5},
    "query": {"rows": 20_000, "requests": 20},
    "memory": {"rows": 3000},
    "feed": {"rows": 5000, "wakeups": 10},
    "push": {"rows": 3000},
    "console": {"rows": 20_000, "requests": 20},
    "scale": {"rows": 6000, "requests": 5, "drain_rows": 500, "keep": False},
}
FULL = {
    "intake": {"seconds": 15},
    "pipeline": {"rows": 100_000},
    "e2e": {"rate": 1000, "seconds": 60},
    "query": {"rows": 5_000_000, "requests": 200},
    "memory": {"rows": 1_000_000},
    "feed": {"rows": 1_000_000, "wakeups": 100},
    "push": {"rows": 100_000},
    "console": {"rows": 5_000_000, "requests": 200},
    # Loaded once (most of an hour) and kept as mh_scale_50000000 for the next run; `--only scale` alone.
    "scale": {"rows": scale.FULL_ROWS, "requests": 200, "drain_rows": 100_000},
}


RUNNERS = {
    "intake": intake.run,
    "pipeline": pipeline.run,
    "e2e": e2e.run,
    "query": query.run,
    "memory": pipeline.memory,
    "feed": feed.run,
    "push": push.run,
    "console": console.run,
    "scale": scale.run,
}


def run_all(params: dict[str, dict[str, Any]], only: list[str] | None = None) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, runner in RUNNERS.items():
        if only is not None and name not in only:
            continue
        started = time.perf_counter()
        results[name] = runner(**params[name])
        results[name]["wall_seconds"] = round(time.perf_counter() - started, 1)
        print(f"{name}: done in {results[name]['wall_seconds']} s", flush=True)
    return results


def table(results: dict[str, Any]) -> str:
    i, p, e, q = results["intake"], results["pipeline"], results["e2e"], results["query"]
    m, f, u, c = results["memory"], results["feed"], results["push"], results["console"]
    s = results["scale"]
    tenths = m["rss_mib_by_tenth"]
    rows = [
        (
            "intake req/s, best round (bare Flask)",
            f"{i['intake']['rps']:.0f} ({i['bare']['rps']:.0f})",
            f"{i['ratio']:.2f}",
        ),
        (
            "intake req/s, best round (django-anymail)",
            f"{i['intake']['rps']:.0f} ({i['anymail']['rps']:.0f})",
            f"{i['ratio_anymail']:.2f}",
        ),
        (
            "intake req/s, median round (django-anymail)",
            f"{i['median_rps']['intake']:.0f} ({i['median_rps']['anymail']:.0f})",
            f"{i['ratio_anymail_median']:.2f}",
        ),
        ("django-anymail / bare Flask, best rounds", "", f"{i['anymail_vs_bare']:.2f}"),
        *(
            (f"{name} req/s each round", _rounds(i["rounds_rps"][name]), "")
            for name in ("bare", "anymail", "intake")
        ),
        ("intake p50 / p99 ms", f"{i['intake']['p50_ms']:.1f} / {i['intake']['p99_ms']:.1f}", ""),
        (
            "intake errors; rows stored / 200s",
            f"{i['errors_all_rounds']}; {i['stored_rows']} / {i['answered_200']}",
            "",
        ),
        (
            "pipeline events/s (COPY rows/s)",
            f"{p['events_per_second']} ({p['copy_rows_per_second']})",
            f"{p['ratio']:.2f}",
        ),
        ("e2e lag p50 / p99 ms at rate/s", f"{e['lag_p50_ms']} / {e['lag_p99_ms']} at {e['rate']}", ""),
        ("e2e posted / 200 / stored once", f"{e['posted']} / {e['answered_200']} / {e['exactly_once']}", ""),
        *(
            (f"query {name} p50 / p99 ms", f"{v['p50_ms']} / {v['p99_ms']} ({q['rows']} rows)", "")
            for name, v in q["endpoints"].items()
        ),
        ("peak RSS MiB web / worker", f"{e['web_peak_rss_mib']} / {e['worker_peak_rss_mib']}", ""),
        (
            f"worker RSS MiB at 10% / 50% / 100% of {m['rows']}",
            f"{tenths.get('1')} / {tenths.get('5')} / {tenths.get('10')}",
            f"+{m['rss_growth']:.0%}",
        ),
        (
            "feed items/s via API (plain SELECT rows/s)",
            f"{f['feed_items_per_second']} ({f['select_rows_per_second']}), {f['rows']} rows",
            f"{f['ratio']:.2f}",
        ),
        ("feed long-poll wake-up p50 / p99 ms", f"{f['wake_p50_ms']} / {f['wake_p99_ms']}", ""),
        (
            "push items/s to one subscriber (drain events/s)",
            f"{u['push_items_per_second']} ({u['drain_events_per_second']}), {u['rows']} rows",
            f"{u['ratio']:.2f}",
        ),
        *(
            (f"console {name} p50 / p99 ms", f"{v['p50_ms']} / {v['p99_ms']} ({c['rows']} rows)", "")
            for name, v in c["pages"].items()
        ),
        *(
            (
                f"scale {name} p50 / p99 ms",
                f"{v['p50_ms']} / {v['p99_ms']} ({s['rows']} rows)",
                "{partitions_read} of {partitions_in_table} partitions".format(**s["pruning"][name]),
            )
            for name, v in s["endpoints"].items()
        ),
        (
            "scale drain events/s into full (empty) table",
            f"{max(s['drain']['into_loaded_per_second'])} ({max(s['drain']['into_empty_per_second'])})",
            f"{s['drain']['ratio']:.2f}",
        ),
        (
            "scale one day: drop s (batched delete s), bloat MiB",
            f"{s['retention']['drop']['seconds']} ({s['retention']['delete']['seconds']}), "
            f"{s['retention']['drop']['bloat_mib']} ({s['retention']['delete']['bloat_mib']})",
            "",
        ),
        ("scale one day's drop: events locked s", f"{s['retention']['drop']['events_locked_seconds']}", ""),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{'measure'.ljust(width)}  {'value'.ljust(34)}  ratio", "-" * (width + 44)]
    lines += [f"{label.ljust(width)}  {value.ljust(34)}  {ratio}" for label, value, ratio in rows]
    lines += ["", "targets:"] + [
        f"  {'met ' if check(results) else 'MISSED'}  {name}" for name, check in TARGETS.items()
    ]
    return "\n".join(lines)


def partial_table(results: dict[str, Any]) -> str:
    """Some benchmarks only (`--only`): their figures as they are, and the targets they can be judged by."""
    lines = [json.dumps(results, indent=2), "", "targets:"]
    for name, check in TARGETS.items():
        try:
            lines.append(f"  {'met ' if check(results) else 'MISSED'}  {name}")
        except KeyError:  # a target of a benchmark that did not run
            continue
    return "\n".join(lines)


def _rounds(rates: list[float]) -> str:
    return " ".join(f"{rate:.0f}" for rate in rates)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="a few seconds each: proves the benchmarks work")
    parser.add_argument(
        "--only",
        type=lambda names: names.split(","),
        metavar="NAME[,NAME]",
        help=f"run these benchmarks only, at the same size: {', '.join(RUNNERS)}",
    )
    args = parser.parse_args()
    unknown = set(args.only or ()) - set(RUNNERS)
    if unknown:
        parser.error(f"no benchmark named {', '.join(sorted(unknown))}: {', '.join(RUNNERS)}")
    results = run_all(SMOKE if args.smoke else FULL, args.only)
    for name in ("query", "console", "scale"):
        results.get(name, {}).pop("plans", None)
    print(table(results) if args.only is None else partial_table(results))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    suffix = ("-smoke" if args.smoke else "") + ("-" + "-".join(args.only) if args.only else "")
    path = RESULTS_DIR / f"bench-{time.strftime('%Y%m%d-%H%M%S')}{suffix}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
