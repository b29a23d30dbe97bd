"""gemini-image (this package) vs Google's official `google-genai` SDK, against the same
in-process emulator: per-call time and peak memory above idle for 1, 8 and 20 MB images
(generate, edit, stream), and `import` + first client.

    pip install ./python google-genai==3.6.1
    python python/benchmarks/bench_vs_google_genai.py [--runs 5] [--out docs/benchmarks.md]

Each measurement runs in a fresh subprocess (so imports and peak RSS are its own): its
first `--warmup` calls (default 2) are reported apart, as "first call", and left out of the
median of the `--runs` calls after them (a fresh process pays the kernel for new memory on
its first large calls, until the C allocator keeps its heap: see docs/benchmarks.md). The
emulator runs in this process and serves cached images (`[[bytes:N]]` prompt token), so
the numbers are the clients' costs. google-genai talks to the emulator's Google routes with
`http_options={"api_version": "v1beta", "base_url": ...}`; this package uses the same
routes. Peak memory is the child's VmHWM minus its VmRSS after import and client creation.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, List

from gemini_image.testing import Emulator

MODEL = "gemini-2.5-flash-image"
SIZES_MB = [1, 8, 20]
OPS = ["generate", "edit", "stream"]

CHILD = r'''
import json, os, sys, time

def rss_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0

sdk, op, base_url, size_mb, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
prompt = f"a lighthouse at dusk [[bytes:{size_mb}m]]"
edit_prompt = f"make it night [[bytes:{size_mb}m]]"
MODEL = "gemini-2.5-flash-image"

if sdk == "gemini-image":
    import gemini_image
    client = gemini_image.Client(api_key="bench-key", base_url=base_url, model=MODEL)
    source = client.generate(prompt).images[0].data if op == "edit" else None

    def call():
        if op == "generate":
            return len(client.generate(prompt).images[0].data)
        if op == "edit":
            return len(client.edit(source, edit_prompt).images[0].data)
        n = 0
        for event in client.stream(prompt):
            if event.type == "image":
                n += len(event.image.data)
        return n
elif sdk == "raw":
    # The floor: the same HTTP exchange with urllib, reading the body without decoding it.
    import base64, urllib.request
    route = "streamGenerateContent?alt=sse" if op == "stream" else "generateContent"
    url = f"{base_url}/v1beta/models/{MODEL}:{route}"
    headers = {"x-goog-api-key": "bench-key", "content-type": "application/json"}
    def post(body):
        request = urllib.request.Request(url, data=body, headers=headers)
        with urllib.request.urlopen(request, timeout=600) as answer:
            return len(answer.read())
    body = json.dumps({"contents": [{"role": "user", "parts": [{"text": prompt}]}]}).encode()
    if op == "edit":
        gen = urllib.request.Request(f"{base_url}/v1beta/models/{MODEL}:generateContent", data=body, headers=headers)
        with urllib.request.urlopen(gen, timeout=600) as answer:
            data = json.loads(answer.read())["candidates"][0]["content"]["parts"][-1]["inlineData"]["data"]
        body = json.dumps({"contents": [{"role": "user", "parts": [{"text": edit_prompt}, {"inlineData": {"mimeType": "image/png", "data": data}}]}]}).encode()
    def call():
        return post(body)
else:
    from google import genai
    from google.genai import types
    client = genai.Client(api_key="bench-key", http_options={"api_version": "v1beta", "base_url": base_url})
    def image_bytes(response):
        for part in response.candidates[0].content.parts:
            if part.inline_data is not None:
                return part.inline_data.data
        raise RuntimeError("no image")
    source = image_bytes(client.models.generate_content(model=MODEL, contents=prompt)) if op == "edit" else None

    def call():
        if op == "generate":
            return len(image_bytes(client.models.generate_content(model=MODEL, contents=prompt)))
        if op == "edit":
            part = types.Part.from_bytes(data=source, mime_type="image/png")
            return len(image_bytes(client.models.generate_content(model=MODEL, contents=[edit_prompt, part])))
        n = 0
        for chunk in client.models.generate_content_stream(model=MODEL, contents=prompt):
            for part in (chunk.candidates or [None])[0].content.parts if chunk.candidates and chunk.candidates[0].content else []:
                if part.inline_data is not None:
                    n += len(part.inline_data.data)
        return n

idle = rss_kb("VmRSS")
times = []
sizes = []
for _ in range(runs):
    t = time.perf_counter()
    sizes.append(call())
    times.append(time.perf_counter() - t)
print(json.dumps({"times": times, "bytes": sizes[-1], "peak_above_idle_kb": rss_kb("VmHWM") - idle}))
'''

IMPORT_CHILD = r'''
import sys, time
t = time.perf_counter()
if sys.argv[1] == "gemini-image":
    import gemini_image
    gemini_image.Client(api_key="bench-key", base_url=sys.argv[2])
else:
    from google import genai
    genai.Client(api_key="bench-key", http_options={"api_version": "v1beta", "base_url": sys.argv[2]})
print(time.perf_counter() - t)
'''


def run_child(code: str, *args: Any) -> str:
    env = {k: v for k, v in os.environ.items() if "API_KEY" not in k}
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return out.stdout.strip().splitlines()[-1]


def machine() -> str:
    cpu = "?"
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in lscpu.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    nproc = os.cpu_count()
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {nproc} CPUs (nproc), {mem_gb:.0f} GiB, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="calls per measurement (median)")
    parser.add_argument(
        "--warmup", type=int, default=2, help="calls first made in each process, not in the median"
    )
    parser.add_argument("--import-runs", type=int, default=5)
    parser.add_argument("--out", type=Path, help="append the Markdown table to this file")
    parser.add_argument(
        "--build", default="release wheel: maturin build --release", help="how the package was built"
    )
    args = parser.parse_args()

    import importlib.metadata as md

    versions = {
        "gemini-image": md.version("gemini-image"),
        "google-genai": md.version("google-genai"),
    }
    rows: List[Dict[str, Any]] = []
    with Emulator() as emu:
        base = emu.base_url
        for sdk in ("gemini-image", "google-genai"):
            times = [float(run_child(IMPORT_CHILD, sdk, base)) for _ in range(args.import_runs)]
            rows.append({"sdk": sdk, "op": "import + client", "mb": "", "median_s": statistics.median(times), "peak_mb": None})
            print(rows[-1], flush=True)
        for size in SIZES_MB:
            for op in OPS:
                for sdk in ("gemini-image", "google-genai", "raw"):
                    result = json.loads(
                        run_child(CHILD, sdk, op, base, size, args.warmup + args.runs)
                    )
                    rows.append({
                        "sdk": sdk, "op": op, "mb": size,
                        "first_s": result["times"][0],
                        "median_s": statistics.median(result["times"][args.warmup:]),
                        "peak_mb": result["peak_above_idle_kb"] / 1024,
                        "bytes": result["bytes"],
                    })
                    print(rows[-1], flush=True)

    lines = [
        f"### Python: gemini-image {versions['gemini-image']} vs google-genai {versions['google-genai']}",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()}; "
        f"`python python/benchmarks/bench_vs_google_genai.py --runs {args.runs} --warmup {args.warmup}` ({args.build}). "
        f"Median of the {args.runs} calls after {args.warmup} warm-up calls (the first of which is "
        "the \"first call\" column), each SDK in its own fresh process against the same in-process "
        "emulator; peak = VmHWM − VmRSS after import and client creation, over all the calls. The urllib floor is "
        "the same HTTP exchange read with the standard library without decoding: what the "
        "emulator and the socket cost (large for edits, where the emulator decodes, inverts and "
        "re-encodes the input image, and for streams, which it does not cache).",
        "",
        "| operation | image | gemini-image | google-genai | speed-up | urllib floor | first call: gemini-image | google-genai | peak above idle: gemini-image | google-genai |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    by = {(r["sdk"], r["op"], r["mb"]): r for r in rows}
    ours, theirs = by[("gemini-image", "import + client", "")], by[("google-genai", "import + client", "")]
    lines.append(
        f"| import + first client | | {ours['median_s'] * 1000:.0f} ms | {theirs['median_s'] * 1000:.0f} ms "
        f"| {theirs['median_s'] / ours['median_s']:.1f}x | | | | | |"
    )
    for size in SIZES_MB:
        for op in OPS:
            a, b = by[("gemini-image", op, size)], by[("google-genai", op, size)]
            raw = by[("raw", op, size)]
            lines.append(
                f"| {op} | {size} MB | {a['median_s'] * 1000:.0f} ms | {b['median_s'] * 1000:.0f} ms "
                f"| {b['median_s'] / a['median_s']:.1f}x | {raw['median_s'] * 1000:.0f} ms "
                f"| {a['first_s'] * 1000:.0f} ms | {b['first_s'] * 1000:.0f} ms "
                f"| {a['peak_mb']:.0f} MB | {b['peak_mb']:.0f} MB |"
            )
    table = "\n".join(lines) + "\n"
    print("\n" + table)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write("\n" + table)


if __name__ == "__main__":
    main()
