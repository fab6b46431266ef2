#!/usr/bin/env bash
# usage: drive.sh PLANFILE ; each plan line: LABEL SIDE ARGS...   (SIDE = base|final)
set -u
out=/work/wt-perf-remeasure/perf/results/issue18-final
log=$out/runs.log
while read -r label side args; do
  [ -z "${label:-}" ] && continue
  case "$label" in \#*) continue;; esac
  case "$side" in base) dir=/work/wt-perf-base; commit=ab89da4;; final) dir=/work/wt-perf-remeasure; commit=$(git -C /work/wt-perf-remeasure rev-parse --short HEAD);; esac
  runlog=/tmp/perf-remeasure/$label-$side-$(date -u +%Y%m%dT%H%M%SZ).out
  echo "queued $(date -u +%FT%TZ) $label $side ($commit): flock /tmp/ms-perf.lock perf/run $args" >> "$log"
  ( cd "$dir" && flock /tmp/ms-perf.lock bash -c '
      echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)"
      perf/run '"$args"'
      rc=$?
      echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg) rc=$rc"
      exit $rc' ) > "$runlog" 2>&1
  rc=$?
  res=$(sed -n 's/^perf\/run: results in //p' "$runlog" | tail -n 1)
  dest=""
  if [ -n "$res" ] && [ -f "$res" ]; then
    dest="$out/$label-$side-$(basename "$res" | sed 's/^[a-z]*-//')"
    cp "$res" "$dest"
  fi
  cp "$runlog" "$out/$(basename "$runlog" .out).log" 2>/dev/null
  echo "$(grep '^start ' "$runlog") | $(grep '^end ' "$runlog") | $label $side ($commit) rc=$rc result=$(basename "${dest:-none}")" >> "$log"
done < "$1"
echo "plan $1 done $(date -u +%FT%TZ)" >> "$log"
