#!/usr/bin/env bash
# The Python package: builds gemini_image._native with maturin (dev profile, the shared
# cargo target dir) into a virtualenv it creates, runs the pytest suite, type-checks the
# stubs and the README examples, then builds a wheel and smoke-tests it in a second fresh
# virtualenv whose PATH has no cargo/rustc. Fails if the build did not happen, if no test
# ran, or if any test was skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
export CARGO_PROFILE_DEV_DEBUG=0
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

PYTHON="${PYTHON:-python3}"
venv="$root/target/py-venv"
wheel_venv="$root/target/py-wheel-venv"
wheels="$root/target/wheels/python"

step() { printf '\n==> python: %s\n' "$*"; }
fail() { echo "test-python.sh: $*" >&2; exit 1; }

step "virtualenv ($venv) with maturin, pytest, mypy, Pillow, httpx"
if [ ! -x "$venv/bin/python" ]; then
  "$PYTHON" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
  "maturin==1.16.0" "pytest==9.2.0" "mypy==2.4.1" "Pillow==13.0.0" "httpx==0.29.0"

step "maturin develop (dev profile)"
rm -f python/src/gemini_image/_native*.so
(cd python && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" \
  "$venv/bin/maturin" develop --profile dev --quiet 2>&1 | tail -n 20) \
  || fail "maturin develop failed"
"$venv/bin/python" -c 'import gemini_image._native as n, gemini_image; print("built", n.__file__)' \
  || fail "the native module did not build or does not import"

step "pytest"
junit="$root/target/py-junit.xml"
set +e
(cd python && "$venv/bin/python" -m pytest -q -p no:cacheprovider --junitxml="$junit" tests)
status=$?
set -e
[ "$status" -eq 5 ] && fail "pytest collected no tests"
[ "$status" -eq 0 ] || fail "pytest failed (exit $status)"
"$venv/bin/python" - "$junit" <<'PY' || fail "tests were skipped or none ran"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
tests = sum(int(s.get("tests", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(f"pytest: {tests} tests, {skipped} skipped")
sys.exit(0 if tests > 0 and skipped == 0 else 1)
PY

step "types: mypy stubtest on the native module, mypy --strict on the package and the README examples"
(cd python && "$venv/bin/python" -m mypy.stubtest gemini_image._native) || fail "stubtest failed"
examples="$root/target/py-readme-examples"
rm -rf "$examples"
"$venv/bin/python" python/tests/readme_examples.py "$examples" >/dev/null
(cd python && "$venv/bin/python" -m mypy --strict --no-incremental src/gemini_image "$examples") \
  || fail "mypy --strict failed"

step "wheel (maturin build, dev profile) into a fresh virtualenv without cargo on PATH"
rm -rf "$wheels" "$wheel_venv"
(cd python && "$venv/bin/maturin" build --profile dev --quiet --out "$wheels" 2>&1 | tail -n 20) \
  || fail "maturin build failed"
wheel=$(ls "$wheels"/gemini_image-*-abi3-*.whl 2>/dev/null | head -n 1)
[ -n "$wheel" ] || fail "no abi3 wheel in $wheels"
echo "wheel: $(basename "$wheel")"
"$PYTHON" -m venv "$wheel_venv"
clean_path="$wheel_venv/bin:/usr/local/bin:/usr/bin:/bin"
env -i HOME="$HOME" PATH="$clean_path" sh -c '! command -v cargo && ! command -v rustc' >/dev/null \
  || fail "cargo/rustc still on the clean PATH"
env -i HOME="$HOME" PATH="$clean_path" "$wheel_venv/bin/python" -m pip install -q \
  --disable-pip-version-check --no-index "$wheel"
(cd /tmp && env -i HOME="$HOME" PATH="$clean_path" "$wheel_venv/bin/python" \
  "$root/python/tests/smoke_wheel.py") || fail "the wheel smoke test failed"

step "python ok"
