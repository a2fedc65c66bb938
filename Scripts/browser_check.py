#!/usr/bin/env python3
"""Renders medprep's HTML reports in headless Chromium and checks what a reader would see (issue 17, item 5).

What it does (`make test-browser` runs it; Python standard library only):
1. Generates the pages with the given medprep binary, under OUT/work/:
   - report.html: `medprep run` on SampleData/ct plus Tests/Fixtures/report/in (two LPS/RAS volumes, one with a
     NaN, one file that is not a scan), so the failures section, pictures, histograms and orientation tables are
     all drawn;
   - comparison.html: `medprep compare-norms SampleData/ct-cohort`.
2. For each page, a copy with two injected scripts is loaded with
   `chromium --headless --no-sandbox --disable-gpu --dump-dom --enable-logging=stderr --v=0`: one at the top of
   <head> records errors (window 'error' events, console.error), one runs on 'load' and writes its findings as JSON
   into <body data-browser-check="…">, which --dump-dom prints. Chromium's own console lines on stderr
   (`:CONSOLE`) count as errors too: the pages have no scripts of their own, so they should print nothing.
3. Fails on: any console message or script error; an <img> whose src is not a non-empty data: URI or that did
   not decode (naturalWidth 0); a page wider than the viewport (documentElement.scrollWidth > clientWidth);
   report.html without exactly one picture set (div.case[data-case] with a [data-thumbnails=before] strip of
   images) per case that report.json lists under visuals.cases.
4. Saves full-page screenshots as OUT/report.png and OUT/comparison.png (and the dumped DOMs beside them).

Usage: python3 Scripts/browser_check.py [--medprep .build/debug/medprep] [--out .build/browser] [--width 1280]
Exit status 0 when every check passes, 1 otherwise (each failure printed), 2 when chromium is missing.
"""
import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

RECORDER = """<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push('error: ' + (e.message || (e.target && e.target.outerHTML))), true);
const __consoleError = console.error;
console.error = (...a) => { window.__errors.push('console.error: ' + a.join(' ')); __consoleError(...a); };
</script>"""

CHECKER = """<script>
window.addEventListener('load', () => {
  const root = document.documentElement;
  const images = Array.from(document.images).map(img => ({
    src: (img.getAttribute('src') || '').slice(0, 40), length: (img.getAttribute('src') || '').length,
    ok: img.complete && img.naturalWidth > 0}));
  const cases = Array.from(document.querySelectorAll('div.case[data-case]')).map(div => ({
    input: div.getAttribute('data-case'),
    before: div.querySelectorAll('[data-thumbnails=before] img').length,
    after: div.querySelectorAll('[data-thumbnails=after] img').length}));
  const result = {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, scrollHeight: root.scrollHeight,
    errors: window.__errors, images: images, cases: cases,
    methodRows: document.querySelectorAll('tr[data-method]').length,
    firstHeading: (document.querySelector('h2') || {}).textContent || ''};
  document.body.setAttribute('data-browser-check', JSON.stringify(result));
});
</script>"""


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def browser(binary, url, width, height, extra):
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr",
               "--v=0", f"--window-size={width},{height}"] + extra + [url]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def render(binary, page, name, out, width):
    """Loads an instrumented copy of `page`; returns (findings, console lines) and saves a screenshot."""
    text = open(page, encoding="utf-8").read()
    text = text.replace("<head>", "<head>" + RECORDER, 1).replace("</body>", CHECKER + "</body>", 1)
    probe = os.path.join(os.path.dirname(page), "." + name + ".check.html")
    with open(probe, "w", encoding="utf-8") as f:
        f.write(text)
    done = browser(binary, "file://" + probe, width, 1000, ["--dump-dom"])
    with open(os.path.join(out, name + ".dom.html"), "w", encoding="utf-8") as f:
        f.write(done.stdout)
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    match = re.search(r'data-browser-check="([^"]*)"', done.stdout)
    if not match:
        return None, console + [f"no findings in the dumped DOM (exit {done.returncode}): {done.stderr[-500:]}"]
    findings = json.loads(html.unescape(match.group(1)))
    height = min(max(findings["scrollHeight"], 600), 16000)
    shot = os.path.join(out, name + ".png")
    browser(binary, "file://" + os.path.abspath(page), width, height, [f"--screenshot={shot}"])
    os.remove(probe)
    return findings, console


def check_page(name, findings, console):
    """Failures common to every page: console output, script errors, images, width."""
    failures = [f"{name}: console: {line}" for line in console]
    if findings is None:
        return failures
    failures += [f"{name}: {error}" for error in findings["errors"]]
    for image in findings["images"]:
        if not image["src"].startswith("data:") or image["length"] <= len("data:image/png;base64,") or not image["ok"]:
            failures.append(f"{name}: missing image: src {image['src']!r}… ({image['length']} chars), decoded {image['ok']}")
    if findings["scrollWidth"] > findings["clientWidth"]:
        failures.append(f"{name}: page is {findings['scrollWidth']} px wide, wider than the {findings['clientWidth']} px viewport")
    return failures


def check_report_cases(findings, report_json):
    """One picture set per case report.json shows, with images as decoded (and after, for processed cases)."""
    if findings is None:
        return []
    shown = json.load(open(report_json, encoding="utf-8")).get("visuals", {}).get("cases", [])
    failures = []
    if [c["input"] for c in findings["cases"]] != [c["input"] for c in shown]:
        failures.append(f"report: picture sets {[c['input'] for c in findings['cases']]} != report.json {[c['input'] for c in shown]}")
    for case, expected in zip(findings["cases"], shown):
        want_after = len(expected["after"]["planes"]) if expected.get("after") else 0
        if case["before"] != len(expected["before"]["planes"]) or case["after"] != want_after:
            failures.append(f"report: {case['input']}: {case['before']}+{case['after']} images, expected "
                            f"{len(expected['before']['planes'])}+{want_after}")
    if not shown:
        failures.append("report: report.json shows no case")
    return failures


def check_comparison_rows(findings, comparison_json):
    """One summary row (tr[data-method]) per method and channel of comparison.json's rows."""
    if findings is None:
        return []
    rows = json.load(open(comparison_json, encoding="utf-8")).get("rows", [])
    if findings["methodRows"] != len(rows) or not rows:
        return [f"comparison: {findings['methodRows']} tr[data-method] rows, comparison.json has {len(rows)} rows"]
    return []


def run(command):
    done = subprocess.run(command, capture_output=True, text=True)
    return done


def generate(medprep, work):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "in"))
    for source in (os.path.join(ROOT, "SampleData", "ct"), os.path.join(ROOT, "Tests", "Fixtures", "report", "in")):
        for name in sorted(os.listdir(source)):
            shutil.copy(os.path.join(source, name), os.path.join(work, "in", name))
    with open(os.path.join(work, "pipeline.yaml"), "w") as f:
        f.write("version: 1\nname: browser-check\ninput:\n  directory: in\nstages:\n  - orient: {to: RAS}\n"
                "  - normalize: {method: groupnorm, groups: 1}\noutput:\n  directory: out\n"
                "  volumes: none\n  reports: [json, html]\n")
    done = run([medprep, "run", os.path.join(work, "pipeline.yaml"), "--no-progress", "--jobs", "2"])
    if done.returncode not in (0, 1) or not os.path.exists(os.path.join(work, "out", "report.html")):
        sys.exit(f"medprep run failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    done = run([medprep, "compare-norms", os.path.join(ROOT, "SampleData", "ct-cohort"), "--output", os.path.join(work, "compare")])
    if done.returncode != 0:
        sys.exit(f"medprep compare-norms failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--medprep", default=os.path.join(ROOT, ".build", "debug", "medprep"))
    parser.add_argument("--out", default=os.path.join(ROOT, ".build", "browser"))
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    binary = chromium()
    if binary is None:
        print("chromium not found: install Debian's chromium package (make test-browser does)", file=sys.stderr)
        return 2
    out = os.path.abspath(args.out)
    work = os.path.join(out, "work")
    generate(os.path.abspath(args.medprep), work)
    failures = []
    report, console = render(binary, os.path.join(work, "out", "report.html"), "report", out, args.width)
    failures += check_page("report", report, console) + check_report_cases(report, os.path.join(work, "out", "report.json"))
    comparison, console = render(binary, os.path.join(work, "compare", "comparison.html"), "comparison", out, args.width)
    failures += check_page("comparison", comparison, console)
    failures += check_comparison_rows(comparison, os.path.join(work, "compare", "comparison.json"))
    for name, findings in (("report", report), ("comparison", comparison)):
        if findings:
            print(f"{name}.html: {len(findings['images'])} image(s), {len(findings['cases'])} picture set(s), "
                  f"{findings['methodRows']} method row(s), {findings['scrollWidth']}×{findings['scrollHeight']} px; "
                  f"first section: {findings['firstHeading']!r}; screenshot {os.path.join(out, name + '.png')}")
    for failure in failures:
        print("FAIL " + failure)
    print("browser check: " + ("passed" if not failures else f"{len(failures)} failure(s)"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
