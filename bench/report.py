#!/usr/bin/env python3
"""Turns a bench/run.sh results directory into markdown tables and summary.json.

Usage: report.py RESULTS_DIR   (prints markdown; writes RESULTS_DIR/summary.json)

Exits with status 3 when any point (warm-up included) saw a non-200 answer or an error.

Standard library only.
"""

import json
import os
import sys

TARGET_ORDER = ["direct", "nginx", "bifrost"]


def load(path):
    with open(path) as f:
        return json.load(f)


def point(raw, name):
    """Summary of one load point from oha's JSON plus run.sh's CPU/RSS record."""
    oha_path = os.path.join(raw, name + ".oha.json")
    meta_path = os.path.join(raw, name + ".meta.json")
    if not (os.path.exists(oha_path) and os.path.exists(meta_path)):
        return None
    oha, meta = load(oha_path), load(meta_path)
    codes = {k: int(v) for k, v in (oha.get("statusCodeDistribution") or {}).items()}
    errors = {k: int(v) for k, v in (oha.get("errorDistribution") or {}).items()}
    total = sum(codes.values()) + sum(errors.values())
    ok = codes.get("200", 0)
    pct = oha.get("latencyPercentiles") or {}
    summary = oha.get("summary") or {}
    tick_us = 1e6 / meta["clk_tck"]
    cpu_us = meta["server_cpu_ticks"] * tick_us
    mock_cpu_us = meta["mock_cpu_ticks"] * tick_us

    def us(v):
        return None if v is None else v * 1e6

    return {
        "name": name,
        "target": meta["target"],
        "mode": meta["mode"],
        "arg": meta["arg"],
        "duration_s": meta["duration_s"],
        "requests": total,
        "ok": ok,
        "status_codes": codes,
        "errors": errors,
        "success_rate": (ok / total) if total else 0.0,
        "rps": summary.get("requestsPerSec"),
        "p50_us": us(pct.get("p50")),
        "p90_us": us(pct.get("p90")),
        "p99_us": us(pct.get("p99")),
        "p999_us": us(pct.get("p99.9")),
        "max_us": us(summary.get("slowest")),
        "cpu_us_total": cpu_us,
        "cpu_us_per_req": (cpu_us / total) if total else None,
        "mock_cpu_us_per_req": (mock_cpu_us / total) if total else None,
        "peak_rss_mib": meta["peak_rss_kb"] / 1024.0,
        "load1_before": meta.get("load1_before"),
        "load1_after": meta.get("load1_after"),
    }


def fmt_us(v):
    if v is None:
        return "n/a"
    if abs(v) >= 10000:
        return "%.1f ms" % (v / 1000.0)
    return "%d us" % round(v)


def fmt_signed_us(v):
    if v is None:
        return "n/a"
    sign = "+" if v >= 0 else "-"
    return sign + fmt_us(abs(v))


def fmt_pct(v):
    if v is None:
        return "n/a"
    if v >= 1.0:
        return "100%"
    return "%.3f%%" % (v * 100.0)


def targets_present(items):
    seen = {i["target"] for i in items if i}
    return [t for t in TARGET_ORDER if t in seen]


def main():
    out = sys.argv[1]
    raw = os.path.join(out, "raw")
    env = load(os.path.join(out, "env.json"))
    names = sorted(f[: -len(".meta.json")] for f in os.listdir(raw) if f.endswith(".meta.json"))
    points = {n: point(raw, n) for n in names}

    rates = [int(r) for r in str(env["rates"]).split()]
    lines = []
    lines.append("## Bifrost-rs load benchmark (%s)" % env["timestamp"])
    lines.append("")
    lines.append(
        "Machine: %d cores (%s), kernel %s; %s; %s; nginx %s; commit %s; load average at start %s; "
        "mock pinned to CPU 1 and oha to CPU 0: %s; nice: %s; SCHED_FIFO priority: %s."
        % (env["cores"], env["cpu"], env["kernel"], env["rustc"], env["oha"], env["nginx"],
           env["git_commit"], env["load_at_start"], "yes" if env["pinning"] else "no",
           env.get("nice", "0"), env.get("rt_priority") or "none (normal scheduling)")
    )
    lines.append("")
    lines.append(
        "### Open loop (oha -q RATE, %d connections, %s s per point, latency corrected)"
        % (env["connections"], env["duration_s"])
    )
    lines.append("")
    lines.append(
        "| RPS | target | success | p50 | p99 | max | added p50 | added p99 "
        "| CPU/req | CPU per 1k req | peak RSS | mock CPU/req | load1 |"
    )
    lines.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    summary = {"env": env, "open": [], "saturation": [], "ttfb": [], "checks": {}}
    for rate in rates:
        direct = points.get("open-%d-direct" % rate)
        for target in TARGET_ORDER:
            p = points.get("open-%d-%s" % (rate, target))
            if not p:
                continue
            added50 = added99 = None
            if direct and target != "direct":
                added50 = p["p50_us"] - direct["p50_us"]
                added99 = p["p99_us"] - direct["p99_us"]
            p["added_p50_us"], p["added_p99_us"] = added50, added99
            summary["open"].append(p)
            lines.append(
                "| %d | %s | %s | %s | %s | %s | %s | %s | %.1f us | %.1f ms | %.1f MiB | %.1f us | %s |"
                % (rate, target, fmt_pct(p["success_rate"]), fmt_us(p["p50_us"]),
                   fmt_us(p["p99_us"]), fmt_us(p["max_us"]),
                   "-" if added50 is None else fmt_signed_us(added50),
                   "-" if added99 is None else fmt_signed_us(added99),
                   p["cpu_us_per_req"], p["cpu_us_per_req"], p["peak_rss_mib"],
                   p["mock_cpu_us_per_req"], p["load1_before"])
            )
    lines.append("")
    lines.append(
        "CPU/req: the target's user+system CPU time (for direct: the mock; for nginx: master and "
        "workers) divided by requests sent; CPU per 1k req is the same number scaled to 1,000 "
        "requests (us/req x 1,000 = us per 1k = the figure in ms). Added = target minus direct at "
        "the same rate. Peak RSS: VmHWM during the point (summed over nginx's processes)."
    )
    lines.append("")

    sats = [points.get("sat-" + t) for t in TARGET_ORDER]
    sats = [s for s in sats if s]
    if sats:
        lines.append(
            "### Saturation (closed loop, oha -c %d, %s s)" % (env["sat_connections"], env["sat_duration_s"])
        )
        lines.append("")
        lines.append("| target | max RPS | success | p50 | p99 | CPU/req | peak RSS | mock CPU/req |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for s in sats:
            summary["saturation"].append(s)
            lines.append(
                "| %s | %d | %s | %s | %s | %.1f us | %.1f MiB | %.1f us |"
                % (s["target"], round(s["rps"] or 0), fmt_pct(s["success_rate"]), fmt_us(s["p50_us"]),
                   fmt_us(s["p99_us"]), s["cpu_us_per_req"], s["peak_rss_mib"], s["mock_cpu_us_per_req"])
            )
        lines.append("")

    ttfb = {}
    for t in TARGET_ORDER:
        path = os.path.join(raw, "ttfb-%s.json" % t)
        if os.path.exists(path):
            ttfb[t] = load(path)
    if ttfb:
        lines.append(
            "### Streaming time to first byte (%d sequential `stream: true` requests, one keep-alive "
            "connection)" % env["ttfb_n"]
        )
        lines.append("")
        lines.append(
            "| target | success | headers p50 | first event p50 | first event p99 | added first event p50 "
            "| added first event p99 | complete p50 |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        d = ttfb.get("direct")
        for t, r in ttfb.items():
            fe = r["first_event"]
            a50 = a99 = None
            if d and t != "direct" and fe["p50_us"] is not None:
                a50 = fe["p50_us"] - d["first_event"]["p50_us"]
                a99 = fe["p99_us"] - d["first_event"]["p99_us"]
            summary["ttfb"].append(dict(r, target=t, added_first_event_p50_us=a50, added_first_event_p99_us=a99))
            lines.append(
                "| %s | %s | %s | %s | %s | %s | %s | %s |"
                % (t, fmt_pct(r["success_rate"]), fmt_us(r["headers"]["p50_us"]), fmt_us(fe["p50_us"]),
                   fmt_us(fe["p99_us"]), "-" if a50 is None else fmt_signed_us(a50),
                   "-" if a99 is None else fmt_signed_us(a99), fmt_us(r["complete"]["p50_us"]))
            )
        lines.append("")

    # Targets of issue 2 / ARCHITECTURE.md section 2, at the highest rate measured.
    top = max(rates) if rates else None
    g = points.get("open-%s-bifrost" % top)
    n = points.get("open-%s-nginx" % top)
    if g:
        checks = summary["checks"]
        checks["rate"] = top
        checks["success_rate"] = g["success_rate"]
        checks["success_100pct"] = g["success_rate"] >= 1.0
        checks["added_p99_us"] = g.get("added_p99_us")
        checks["added_p99_under_1ms"] = g.get("added_p99_us") is not None and g["added_p99_us"] < 1000
        checks["added_p99_under_100us"] = g.get("added_p99_us") is not None and g["added_p99_us"] < 100
        if n:
            checks["nginx_added_p99_us"] = n.get("added_p99_us")
            checks["cpu_ratio_vs_nginx"] = (
                g["cpu_us_per_req"] / n["cpu_us_per_req"] if n["cpu_us_per_req"] else None
            )
            checks["cpu_within_2x_nginx"] = (
                checks["cpu_ratio_vs_nginx"] is not None and checks["cpu_ratio_vs_nginx"] <= 2.0
            )
        lines.append("### Targets at %d RPS" % top)
        lines.append("")
        lines.append("| target | goal | measured | met |")
        lines.append("|---|---|---:|---|")
        yes = lambda b: "yes" if b else "no"  # noqa: E731
        lines.append("| success rate | 100%% | %s | %s |" % (fmt_pct(g["success_rate"]), yes(checks["success_100pct"])))
        lines.append(
            "| added p99 | < 1 ms (aim 100 us) | %s | %s |"
            % (fmt_signed_us(checks["added_p99_us"]), yes(checks["added_p99_under_1ms"]))
        )
        if n and checks.get("cpu_ratio_vs_nginx") is not None:
            lines.append(
                "| CPU per request | <= 2x nginx (%.1f us) | %.1f us (%.2fx) | %s |"
                % (n["cpu_us_per_req"], g["cpu_us_per_req"], checks["cpu_ratio_vs_nginx"],
                   yes(checks["cpu_within_2x_nginx"]))
            )
        lines.append("")

    failed = [p["name"] for p in points.values() if p and p["success_rate"] < 1.0]
    failed += ["ttfb-" + t for t, r in ttfb.items() if r["success_rate"] < 1.0]
    summary["failed_points"] = failed
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print("\n".join(lines))
    if failed:
        # Any failed request is a bug at these rates, not noise: make the run fail.
        print("requests failed in: " + ", ".join(failed), file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
