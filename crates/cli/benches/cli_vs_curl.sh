#!/usr/bin/env bash
# CLI vs curl: how close does `gemini-image generate` (release build: process start,
# request, JSON parse, base64 decode, atomic write of the image) get to `curl -s -o /dev/null`
# of the same request (the floor: transfer only)? A second reference, `curl -s -o FILE`, writes
# the response JSON to the same directory the CLI writes its image to. All three hit the same
# local emulator, which serves identical cached bytes for the same prompt and model. Output
# files are removed before each run (hyperfine --prepare), so every run writes a new file.
# The CLI re-executes itself with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (glibc >= 2.35: malloc
# asks for transparent huge pages; see crates/cli/src/huge_pages.rs). A last column runs it
# with GEMINI_IMAGE_HUGE_PAGES=0 (no re-exec, 4 KiB pages), which shows how much of the time
# page faults on the response body and decoded image buffers would cost.
#
# Usage: crates/cli/benches/cli_vs_curl.sh            (from anywhere in the repo)
# Env:   SIZES="1 8 20" (MB)  RUNS=10  WARMUP=2  MODEL=gemini-3-pro-image-preview
#        SKIP_BUILD=1 to reuse target/release/gemini-image
# Needs: curl, python3; hyperfine if installed (apt-get install -y hyperfine), else a
#        date +%s%N loop. Loopback only; the emulator is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT"
SIZES=${SIZES:-"1 8 20"}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
MODEL=${MODEL:-gemini-3-pro-image-preview}
BIN="$ROOT/target/release/gemini-image"

if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -x "$BIN" ]; then
    cargo build --release -p gemini-image-cli >&2
fi

WORK=$(mktemp -d)
EMU_PID=
cleanup() {
    if [ -n "$EMU_PID" ]; then kill "$EMU_PID" 2>/dev/null || true; wait "$EMU_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" emulator --port 0 >"$WORK/emulator.out" 2>"$WORK/emulator.err" &
EMU_PID=$!
URL=
for _ in $(seq 1 200); do
    URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/emulator.out" | head -n 1 || true)
    [ -n "$URL" ] && break
    sleep 0.05
done
[ -n "$URL" ] || { echo "the emulator did not start:" >&2; cat "$WORK/emulator.err" >&2; exit 1; }
echo "emulator at $URL (pid $EMU_PID)" >&2

export THUCCHIEN_API_KEY=bench-key
unset GEMINI_API_KEY GEMINI_IMAGE_BASE_URL GEMINI_IMAGE_MODEL || true
ENDPOINT="$URL/gemini/v1beta/models/$MODEL:generateContent"
HAVE_HYPERFINE=0
command -v hyperfine >/dev/null 2>&1 && HAVE_HYPERFINE=1

# Times a command RUNS times after WARMUP runs (running $PREPARE before each, untimed);
# writes "mean_s stddev_s min_s" to $2.
time_loop() {
    local cmd=$1 out=$2 i t0 t1
    for _ in $(seq 1 "$WARMUP"); do bash -c "$PREPARE"; bash -c "$cmd" >/dev/null; done
    : >"$out.samples"
    for i in $(seq 1 "$RUNS"); do
        bash -c "$PREPARE"
        t0=$(date +%s%N); bash -c "$cmd" >/dev/null; t1=$(date +%s%N)
        echo $(( t1 - t0 )) >>"$out.samples"
    done
    python3 - "$out.samples" >"$out" <<'PY'
import statistics, sys
xs = [int(l) / 1e9 for l in open(sys.argv[1]) if l.strip()]
print(statistics.mean(xs), statistics.stdev(xs) if len(xs) > 1 else 0.0, min(xs))
PY
}

ROWS="$WORK/rows"
: >"$ROWS"
for MB in $SIZES; do
    PROMPT="benchmark picture [[bytes:${MB}m]]"
    BODY="$WORK/body-$MB.json"
    # The body the CLI sends for this prompt (see gemini-image-core's wire format).
    printf '{"contents":[{"role":"user","parts":[{"text":"%s"}]}],"generationConfig":{"responseModalities":["TEXT","IMAGE"]}}' \
        "$PROMPT" >"$BODY"
    # Warm the emulator's cache and check both sides get the same image.
    RESP_BYTES=$(curl -s -o "$WORK/resp-$MB.json" -w '%{size_download}' \
        -H "x-goog-api-key: $THUCCHIEN_API_KEY" -H 'content-type: application/json' \
        --data-binary @"$BODY" "$ENDPOINT")
    "$BIN" generate "$PROMPT" --model "$MODEL" --base-url "$URL/gemini" -o "$WORK/img-$MB" --json \
        >"$WORK/cli-$MB.json"
    IMG_BYTES=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["images"][0]["bytes"])' "$WORK/cli-$MB.json")
    CURL_ARGS="-s -H 'x-goog-api-key: $THUCCHIEN_API_KEY' -H 'content-type: application/json' --data-binary @$BODY $ENDPOINT"
    CURL_CMD="curl -o /dev/null $CURL_ARGS"
    CURL_FILE_CMD="curl -o $WORK/curl-out-$MB.json $CURL_ARGS"
    CLI_CMD="$BIN generate '$PROMPT' --model $MODEL --base-url $URL/gemini -o $WORK/out-$MB"
    # The same without huge pages (every 4 KiB page of the big buffers faulted in).
    NO_HUGE_CMD="env GEMINI_IMAGE_HUGE_PAGES=0 $CLI_CMD"
    PREPARE="rm -f $WORK/curl-out-$MB.json $WORK/out-$MB.jpg $WORK/out-$MB.png"
    if [ "$HAVE_HYPERFINE" = 1 ]; then
        hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --style basic --prepare "$PREPARE" \
            --export-json "$WORK/h-$MB.json" -n curl "$CURL_CMD" -n curl-file "$CURL_FILE_CMD" \
            -n gemini-image "$CLI_CMD" -n gemini-image-4k-pages "$NO_HUGE_CMD" >&2
        python3 - "$WORK/h-$MB.json" >"$WORK/t-$MB" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print(" ".join(f'{r[n]["mean"]} {r[n]["stddev"] or 0.0} {r[n]["min"]}' for n in ("curl", "curl-file", "gemini-image", "gemini-image-4k-pages")))
PY
        TIMES=$(cat "$WORK/t-$MB")
    else
        time_loop "$CURL_CMD" "$WORK/curl-$MB"
        time_loop "$CURL_FILE_CMD" "$WORK/curl-file-$MB"
        time_loop "$CLI_CMD" "$WORK/cli-t-$MB"
        time_loop "$NO_HUGE_CMD" "$WORK/nohuge-t-$MB"
        TIMES="$(cat "$WORK/curl-$MB") $(cat "$WORK/curl-file-$MB") $(cat "$WORK/cli-t-$MB") $(cat "$WORK/nohuge-t-$MB")"
    fi
    echo "$MB $IMG_BYTES $RESP_BYTES $TIMES" >>"$ROWS"
done

TOOL=$([ "$HAVE_HYPERFINE" = 1 ] && echo "hyperfine $(hyperfine --version | awk '{print $2}') (-N, $WARMUP warm-up, $RUNS runs)" || echo "date +%s%N loop ($WARMUP warm-up, $RUNS runs)")
python3 - "$ROWS" "$MODEL" "$TOOL" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(f"model {sys.argv[2]}, timing: {sys.argv[3]}; times are mean ± stddev (min)")
print()
print("| image | response JSON | curl -o /dev/null | curl -o FILE | gemini-image generate -o FILE | CLI / curl -o /dev/null | CLI / curl -o FILE | CLI without huge pages | no-huge-pages CLI / curl -o /dev/null |")
print("|---|---|---|---|---|---|---|---|---|")
ms = lambda v: float(v) * 1000
cell = lambda m, s, n: f"{ms(m):.1f} ± {ms(s):.1f} ms ({ms(n):.1f})"
for mb, img, resp, cm, cs, cn, fm, fs, fn, gm, gs, gn, tm, ts, tn in rows:
    print(f"| {mb} MB ({int(img)/1e6:.1f} MB written) | {int(resp)/1e6:.1f} MB "
          f"| {cell(cm, cs, cn)} | {cell(fm, fs, fn)} | {cell(gm, gs, gn)} "
          f"| {float(gm)/float(cm):.2f}x | {float(gm)/float(fm):.2f}x "
          f"| {cell(tm, ts, tn)} | {float(tm)/float(cm):.2f}x |")
PY
