"""Write benchmarks/RESULTS.md from benchmarks/results.json."""

from __future__ import annotations

import json

from common import HERE, RESULTS


def main() -> None:
    r = json.loads(RESULTS.read_text())
    m = r.get("machine", {})
    lines = ["# Benchmark results", "",
             f"Machine: {m.get('cores')} cores, {m.get('cpu')}, Python {m.get('python')}, {m.get('chromium')}.",
             "Written by `make bench` (`benchmarks/*.py`); raw numbers in `results.json`.", ""]
    if "engine" in r:
        e = r["engine"]
        lines += ["## Engine (one core)", "", "| measure | value | target |", "|---|---|---|"]
        for k, v in e.items():
            if k.endswith("_per_s") or "per_s" in k:
                if k == "target_per_s":
                    continue
                lines.append(f"| {k} | {v:,.0f}/s | >= 100,000/s |")
        lines.append(f"| exhaustive safety check (786,432 presentations) | {e['exhaustive_check_s']:.1f} s | - |")
        lines.append("")
    if "apps" in r:
        a = r["apps"]
        lines += [f"## Apps in Chromium (median of {a['runs']} runs; ratio to a bare one-widget notebook)", "",
                  "| app | time to interactive | ratio (target <= 1.3) | kernel RSS | ratio (target <= 1.2) |",
                  "|---|---|---|---|---|"]
        for app, t in a["tti_ms"].items():
            rss = a["kernel_rss_mb"].get(app)
            lines.append(
                f"| {app} | {t['median']:.0f} ms | {a['tti_ratio_to_bare'][app]:.2f} | "
                f"{rss['median']:.0f} MB | {a['rss_ratio_to_bare'].get(app, float('nan')):.2f} |" if rss else
                f"| {app} | {t['median']:.0f} ms | {a['tti_ratio_to_bare'][app]:.2f} | - | - |")
        lines += ["", "| click to feedback | median | p95 | ratio to bare (target <= 1.2; < 100 ms) |",
                  "|---|---|---|---|"]
        for app, c in a["click_ms"].items():
            lines.append(f"| {app} | {c['median']:.0f} ms | {c['p95']:.0f} ms | {a['click_ratio_to_bare'][app]:.2f} |")
        lines += ["", "## Concurrency before preheating (explorer app, every session in Chromium on the server's "
                  "2 cores)", "",
                  "| sessions | p95 time to interactive | errors | server + kernels peak | incl. Chromium |",
                  "|---|---|---|---|---|"]
        for n, c in a["concurrency_explorer"].items():
            p95 = f"{c['tti_ms']['p95'] / 1000:.1f} s" if c["tti_ms"] else "-"
            lines.append(f"| {n} | {p95} | {c['errors']} | {c['server_mb']:.0f} MB | {c['total_mb']:.0f} MB |")
        http = a.get("http_concurrency_explorer")
        if http:
            lines += ["", "Server side alone (simultaneous HTTP renders of the explorer, no browser):", "",
                      "| sessions | p95 render time |", "|---|---|"]
            lines += [f"| {n} | {c['p95'] / 1000:.1f} s |" for n, c in http.items()]
        lines.append("")
    if "apps_preheated" in r:
        pre = r["apps_preheated"]
        lines += [f"## Preheated kernels (pool of {pre['pool_size']} per notebook), for the serving decision", "",
                  "| measure | value |", "|---|---|"]
        lines += [f"| time to interactive, {a} | {t['median']:.0f} ms |" for a, t in pre["tti_ms"].items()]
        lines += [f"| {n} simultaneous renders of the explorer, p95 | {c['p95']:.0f} ms |"
                  for n, c in pre["http_concurrency_explorer"].items()]
        lines.append("")
    if "class_concurrency" in r:
        c = r["class_concurrency"]
        lines += [f"## A class opening the explorer at once (`make app POOL={c['pool_size']} "
                  f"FILL_DELAY={c['fill_delay_s']:.0f}`)", "",
                  f"Each round starts all sessions together: {c['browsers_per_round']} in real Chromium, the rest as "
                  "protocol-level clients (`wire_client.py`: page, all "
                  f"{c['assets_per_page']} static files, kernel websocket, widget state), "
                  f"{c['rounds']} rounds per row. Target: p95 < 5 s, 0 errors.", "",
                  "| sessions | Chromium time to interactive, p95 (median) | wire client ready, p95 | errors "
                  "| machine CPU busy / wall per round | server + kernels peak |", "|---|---|---|---|---|---|"]
        for n, v in c.items():
            if not isinstance(v, dict):
                continue
            b, w = v["browser_tti_ms"], v["wire_ready_ms"]
            lines.append(
                f"| {n} | {b['p95'] / 1000:.1f} s ({b['median'] / 1000:.1f} s) | "
                f"{w['p95'] / 1000:.1f} s | {v['errors']} | "
                f"{v['cpu_busy_s_per_round']:.1f} s / {v['wall_s_per_round']:.1f} s | {v['server_mb']:.0f} MB |"
                if b and w else f"| {n} | - | - | {v['errors']} | - | {v['server_mb']:.0f} MB |")
        fd1 = r.get("class_concurrency_fill_delay_1", {})
        for n, v in fd1.items():
            if isinstance(v, dict) and v["browser_tti_ms"] and v["wire_ready_ms"]:
                b, w = v["browser_tti_ms"], v["wire_ready_ms"]
                lines.append(f"| {n}, FILL_DELAY=1 (Voila's default) | {b['p95'] / 1000:.1f} s "
                             f"({b['median'] / 1000:.1f} s) | {w['p95'] / 1000:.1f} s "
                             f"| {v['errors']} | {v['cpu_busy_s_per_round']:.1f} s / {v['wall_s_per_round']:.1f} s "
                             f"| {v['server_mb']:.0f} MB |")
        lines.append("")
    if "class_concurrency_all_chromium" in r:
        c = r["class_concurrency_all_chromium"]
        lines += ["Same server, every session in Chromium on the server's own cores (the browsers compete with "
                  "the server):", "", "| sessions | time to interactive, p95 (median) | errors "
                  "| machine CPU busy / wall per round |", "|---|---|---|---|"]
        for n, v in c.items():
            if isinstance(v, dict) and v["browser_tti_ms"]:
                b = v["browser_tti_ms"]
                lines.append(f"| {n} | {b['p95'] / 1000:.1f} s ({b['median'] / 1000:.1f} s) | {v['errors']} | "
                             f"{v['cpu_busy_s_per_round']:.1f} s / {v['wall_s_per_round']:.1f} s |")
        lines.append("")
    if "suite" in r:
        s = r["suite"]
        lines += ["## Test suite", "", "| measure | value | target |", "|---|---|---|",
                  f"| nbval over notebooks/ | {s['nbval_s']:.0f} s | < 60 s |",
                  f"| whole `make test` | {s['make_test_s']:.0f} s | < 300 s |", ""]
    if "store" in r:
        st = r["store"]
        lines += [f"## Class store ({st['writers']} writer processes x {st['answers_each']} answers at once, one "
                  "transaction each)", "",
                  "The machine is shared with other work: load average "
                  f"{' / '.join(map(str, st['load_average_at_start']))} at the start "
                  f"({' / '.join(map(str, st['load_average_at_end']))} at the end), on 2 cores; PostgreSQL is "
                  "a local server with fsync on.", "",
                  "| backend | answers/s | write p95 (max) | errors | current_poll + poll_tally p95 during the writes "
                  "| size per 1,000 answers |", "|---|---|---|---|---|---|"]
        for name, t in st["throughput"].items():
            size = st["size"][name]["bytes_per_1000_answers"] / 1024
            lines.append(f"| {name} | {t['answers_per_s']:,.0f} | {t['write_ms']['p95']:.0f} ms "
                         f"({t['write_ms']['max']:.0f} ms) | {t['errors']} | "
                         f"{t['poll_read_ms_during_writes']['p95']:.1f} ms | {size:.0f} KiB |")
        lines += ["", f"Live-poll reads (a poll with 30 answers), as each of {st['kernels_reading']} kernels repeats "
                  f"them {st['reads_per_kernel_per_s']} times a second:", "",
                  "| backend | current_poll | poll_tally | CPU of the whole class's kernels (client side) |",
                  "|---|---|---|---|"]
        for name, rd in st["reads"].items():
            lines.append(f"| {name} | {rd['current_poll_us']:.0f} us | {rd['poll_tally_us']:.0f} us "
                         f"| {rd['class_kernel_cpu_percent']:.1f} % of one core |")
        lines.append("")
    if "notes" in r:
        lines += ["## Notes", "", *[f"- {n}" for n in r["notes"]], ""]
    (HERE / "RESULTS.md").write_text("\n".join(lines))
    print((HERE / "RESULTS.md").read_text())


if __name__ == "__main__":
    main()
