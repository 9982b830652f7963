#!/bin/bash
# Interleaved repetitions of the physics probes (README.md beside this file), one JSON line each.
# usage: bash bench/mujoco_speed/run.sh OUT.jsonl [reps=5] [steps=40000] [protocol=random]
# Needs: MJ=<folder of the Python wheel's libmujoco.so.3.14.0 and include/> (for the native probe,
# skipped when unset), PY=<python with mujoco 3.14> (skipped when unset), MUJOCO_JS=<mujoco-js
# 0.0.7's dist/mujoco_wasm.js> (skipped when unset). Run from the repository root.
set -euo pipefail
out=$1; reps=${2:-5}; steps=${3:-40000}; protocol=${4:-random}
xml=assets/half_cheetah.xml
dir=$(dirname "$0")
native=""
if [ -n "${MJ:-}" ]; then
  native=$(mktemp -d)/probe
  gcc -O2 -I"$MJ/include" -o "$native" "$dir/probe.c" "$MJ/libmujoco.so.3.14.0" -lm -Wl,-rpath,"$MJ"
fi
js() { node --import tsx "$dir/probe.ts" "$@"; }
: > "$out"
for rep in $(seq 1 "$reps"); do
  echo "{\"rep\":$rep,\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >> "$out"
  [ -n "$native" ] && "$native" $xml "$steps" "$protocol" >> "$out"
  [ -n "${PY:-}" ] && [ "$protocol" = const ] && "$PY" "$dir/probe.py" $xml "$steps" >> "$out"
  js st "$protocol" "$steps" >> "$out"
  js mt "$protocol" "$steps" >> "$out"
  [ -n "${MUJOCO_JS:-}" ] && js "$MUJOCO_JS" "$protocol" "$steps" >> "$out"
  js st call 200000 >> "$out"
done
echo "wrote $out"
