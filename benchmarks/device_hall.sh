#!/usr/bin/env bash
# The open data hall's single racks, averaged long on finer grids: one device call.
# EXAMPLE=data-hall-contained does the same for the contained hall, whose four racks
# that miss 3 % (a.rack2, a.rack3, b.rack3, b.rack6) need a longer average on the
# 0.1 m grid (2 CPU cores: 2.2 s per iteration, half-width 0.15-0.28 K at t = 570 s).
# Those four move with the hall's two states (session 36: on the 0.133 m grid a state
# holds for 30-240 s of pseudo-time or more), so a window must hold several switches:
# ask a tolerance the states' mix keeps it from reaching and let the time share end it:
#   EXAMPLE=data-hall-contained OUT=dir TOLERANCE=0.05 bash benchmarks/device_hall.sh 170 0.2 0.133 0.1
# then thermo study --runs <dir>/c0.2 <dir>/c0.133 <dir>/c0.1 (README, "The contained
# hall's averaged grid study"). TOLERANCE (K, default 0.3) is solver.average_tolerance.
# float32, as every device script: since session 35 (the coarse space's float64
# diagonal) the contained hall's float32 run gives float64's CRAH return to 0.001 K and
# its hottest intake to 0.015 K after 300 iterations (0.3 m grid, benchmarks/RESULTS.md).
#
# The open hall's racks' intakes swing with a recirculation that never settles; on 2
# CPU cores the 0.3 m grid took 5,250 iterations (hours) to know them to 0.11-0.70 K
# and the bundled 0.2 m grid was never averaged (README, "The open hall's grid study").
# This runs the 0.3 m and the bundled 0.2 m grids one after the other, float32, each
# stopping by solver.average_tolerance or at its share of the wall time (killed: its
# last checkpoint, every 30 s of pseudo-time, comes back and is wrapped up here with
#   thermo run --example EXAMPLE --resume DIR --set ... --set solver.max_steps=STEP
# STEP the checkpoint's step (checkpoint.h5 attrs["step"]),
# the same --set as below). Then, here:
#   thermo study --runs o0.6 o0.3 o0.2 -o study --quantity 'monitors.run_means_c.*inlet max'
#
# usage (device):  OUT=dir bash benchmarks/device_hall.sh [SECONDS_EACH] [GRIDS...]
# defaults: 240 s each, grids 0.3 0.2. Smoke test on a CPU:
#   OUT=/tmp/x bash benchmarks/device_hall.sh 60 0.6
set -u
out=${OUT:?set OUT to the folder to write into}
each=${1:-240}
shift || true
grids=${*:-0.3 0.2}
example=${EXAMPLE:-data-hall}
tolerance=${TOLERANCE:-0.3}
prefix=o
[ "$example" = data-hall-contained ] && prefix=c
export PYTHONUNBUFFERED=1 PYTHONPATH=${PYTHONPATH:+$PYTHONPATH:}$(pwd)
python3 -c "import jax; print('jax', jax.__version__, jax.devices())" 2>&1 | tee "$out/devices.txt"
for h in $grids; do
  name=$prefix$h
  echo "== $name: grid.max_cell=[$h,$h,$h], at most $each s"
  start=$(date +%s)
  timeout -s KILL "$each" python3 -m thermo run --example "$example" -o "$out/$name" \
    --set "grid.max_cell=[$h,$h,$h]" --set solver.precision=float32 \
    --set solver.average_tolerance="$tolerance" --set solver.max_steps=100000 \
    --set solver.checkpoint_every=30.0 --log-json > "$out/$name.log" 2>&1
  rc=$?
  echo "$name: rc $rc in $(( $(date +%s) - start )) s (137: stopped at its share of the time)"
  tail -n 2 "$out/$name.log" | cut -c1-300
  # the result field is large and is made again by the wrap-up; the summary and the
  # checkpoint (with the monitors' records) are what come back
  rm -f "$out/$name/result.vtkhdf"
  rm -rf "$out/$name/frames.partial"
done
ls -la "$out"/*
