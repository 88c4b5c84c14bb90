#!/usr/bin/env bash
# The D2C rack with every package stack resolved, its grid study: one device call.
#
# d2c-rack-120kw-stacks ships on 792,288 cells (the dies one cell thick); `thermo study`
# refines every max_cell by 1.5 and min_cells_across with it: 1,704,480 then 4,141,410
# cells (`thermo check` of the study's overrides). On 2 CPU cores, float32, the bundled
# grid took 13 s an iteration beside other runs (199 to settle, session 37), the second
# grid 32-41 s (session 40, 7.4 GB); the finest would want about 18 GB and, scaled by
# its cells, 80 s an iteration, 5-6 h for 250, so the rack's study is a GPU job; the chips'
# study is the server's (d2c-rack-120kw-server, README "D2C at engineering
# resolution"). What the rack adds is on the air side: the top server's air-cooled
# components (134.7 C against 109.2 C below, 80 iterations on the bundled grid) and
# the loop's split over 100 plates.
#
# The study runs the grids one after the other, float32, each to the case's monitors
# or STEPS iterations (default 250, the case's max_steps). It is killed at SECONDS
# (default 540) so that the call returns what finished: each finished grid's
# summary.json (the result fields, hundreds of MB on the finest grid, are deleted).
# A killed study resumes where it stopped on a machine still warm (finished grids are
# kept); or join the grids here with
#   thermo study --runs DIR/study/grid-0 DIR/study/grid-1 DIR/study/grid-2 -o DIR/s
#
# usage (device):  OUT=dir bash benchmarks/device_d2c_rack.sh [--set KEY=VALUE ...]
# Smoke test on a CPU (the server, three grids to 374,330 cells, two iterations each):
#   OUT=/tmp/x EXAMPLE=d2c-rack-120kw-server STEPS=2 bash benchmarks/device_d2c_rack.sh
set -u
out=${OUT:?set OUT to the folder to write into}
example=${EXAMPLE:-d2c-rack-120kw-stacks}
steps=${STEPS:-250}
seconds=${SECONDS_TOTAL:-540}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONPATH=${PYTHONPATH:+$PYTHONPATH:}$(pwd)
python3 -c "import jax; print('jax', jax.__version__, jax.devices())" 2>&1 | tee "$out/devices.txt"
start=$(date +%s)
timeout -s KILL "$seconds" python3 -m thermo study --example "$example" -o "$out/study" \
  --set solver.precision=float32 --set solver.max_steps="$steps" "$@" > "$out/study.log" 2>&1
rc=$?
echo "study: rc $rc in $(( $(date +%s) - start )) s (137: stopped at SECONDS_TOTAL)"
tail -n 40 "$out/study.log" | cut -c1-300
find "$out/study" -name result.vtkhdf -delete
rm -rf "$out"/study/grid-*/frames.partial
for g in "$out"/study/grid-*; do
  [ -f "$g/summary.json" ] && python3 - "$g/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(sys.argv[1], s.get("cells"), s.get("steps"), s.get("status"), s.get("wall_time_s"))
PY
done
ls -la "$out" "$out"/study/*
