#!/usr/bin/env bash
# Peak resident memory of `gemini-image generate` for 1, 8 and 20 MB images, against the emulator running in a separate process (so only the client's
# memory is measured). Uses GNU time's "Maximum resident set size". Loopback only.
#
#   bash crates/cli/benches/peak_rss.sh            # builds the release binary first
#   BIN=path/to/gemini-image bash crates/cli/benches/peak_rss.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
if [ -z "${BIN:-}" ]; then
    cargo build --release -q -p gemini-image-cli
    BIN="target/${CARGO_BUILD_TARGET:+$CARGO_BUILD_TARGET/}release/gemini-image"
fi
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time, Debian package 'time')" >&2; exit 1; }
WORK=$(mktemp -d)
"$BIN" emulator --port 0 >"$WORK/emulator.out" 2>"$WORK/emulator.err" &
EMU_PID=$!
trap 'kill $EMU_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
URL=""
for _ in $(seq 1 100); do
    URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/emulator.out" | head -n 1 || true)
    [ -n "$URL" ] && break
    sleep 0.1
done
[ -n "$URL" ] || { echo "the emulator did not start:" >&2; cat "$WORK/emulator.err" >&2; exit 1; }
export THUCCHIEN_API_KEY=bench-key
RUNS=${RUNS:-3}
printf '| command | image | output file | peak RSS (min of %s runs) | RSS / image |\n|---|---|---|---|---|\n' "$RUNS"
for MB in 1 8 20; do
    for CMD in generate; do
        PROMPT="a lighthouse [[bytes:${MB}m]]"
        # Warm the emulator's cache for this prompt.
        "$BIN" generate "$PROMPT" --model gemini-3-pro-image-preview --base-url "$URL/gemini" -o "$WORK/warm.png" >/dev/null 2>&1
        best=""
        for _ in $(seq 1 "$RUNS"); do
            rm -f "$WORK"/out*
            /usr/bin/time -f '%M' -o "$WORK/rss" "$BIN" "$CMD" "$PROMPT" --model gemini-3-pro-image-preview \
                --base-url "$URL/gemini" -o "$WORK/out.png" >/dev/null 2>"$WORK/cmd.err" || { cat "$WORK/cmd.err" >&2; exit 1; }
            kb=$(tail -n 1 "$WORK/rss")
            if [ -z "$best" ] || [ "$kb" -lt "$best" ]; then best=$kb; fi
        done
        file=$(ls "$WORK"/out* | head -n 1)
        bytes=$(stat -c %s "$file")
        python3 - "$CMD" "$MB" "$bytes" "$best" <<'PY'
import sys
cmd, mb, size, kb = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
print(f"| {cmd} | {mb} MB | {size / 1e6:.1f} MB | {kb / 1024:.1f} MiB | {kb * 1024 / size:.2f}x |")
PY
    done
done
