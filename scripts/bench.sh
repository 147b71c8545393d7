#!/usr/bin/env bash
# Benchmarks the SDK against a hand-written net/http + encoding/json client on the same loopback
# server, and prints medians and SDK/hand-written ratios. Usage: scripts/bench.sh [count] [benchtime]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-6}
benchtime=${2:-1s}
out=$(mktemp -t pingone-bench.XXXXXX)
trap 'rm -f "$out"' EXIT

echo "# $(go version), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
echo "# go test -run '^\$' -bench . -benchmem -count $count -benchtime $benchtime ./internal/bench"
go test -run '^$' -bench . -benchmem -count "$count" -benchtime "$benchtime" ./internal/bench | tee "$out" >/dev/null

# Medians per benchmark, then the SDK/hand ratio for each pair.
awk '
/^Benchmark/ {
  name=$1; sub(/-[0-9]+$/, "", name)
  for (i=2; i<=NF; i++) {
    if ($(i+1)=="ns/op") { ns[name]=ns[name] " " $i }
    if ($(i+1)=="B/op") { by[name]=by[name] " " $i }
    if ($(i+1)=="allocs/op") { al[name]=al[name] " " $i }
  }
  if (!(name in names)) { order[++count]=name }
  names[name]=1
}
function median(s,   a, n, i, j, t) {
  n=split(s, a, " ")
  for (i=1; i<=n; i++) for (j=i+1; j<=n; j++) if (a[j]+0 < a[i]+0) { t=a[i]; a[i]=a[j]; a[j]=t }
  return (n%2) ? a[(n+1)/2] : (a[n/2]+a[n/2+1])/2
}
END {
  printf "| %-22s | %12s | %12s | %6s | %12s | %12s | %6s | %9s | %9s | %6s |\n", "operation", "sdk ns/op", "hand ns/op", "time", "sdk B/op", "hand B/op", "bytes", "sdk alloc", "hand alloc", "allocs"
  printf "|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"
  for (k=1; k<=count; k++) {
    nm=order[k]
    if (nm ~ /\/impl=sdk$/) {
      base=nm; sub(/\/impl=sdk$/, "", base); h=base "/impl=hand"
      if (!(h in names)) continue
      s_ns=median(ns[nm]); h_ns=median(ns[h]); s_b=median(by[nm]); h_b=median(by[h]); s_a=median(al[nm]); h_a=median(al[h])
      op=base; sub(/^Benchmark/, "", op)
      printf "| %-22s | %12.0f | %12.0f | %5.2fx | %12.0f | %12.0f | %5.2fx | %9.0f | %9.0f | %5.2fx |\n", op, s_ns, h_ns, s_ns/h_ns, s_b, h_b, s_b/h_b, s_a, h_a, s_a/h_a
    } else if (nm !~ /\/impl=hand$/) {
      op=nm; sub(/^Benchmark/, "", op)
      printf "| %-22s | %12s | %12.0f | %6s | %12s | %12.0f | %6s | %9s | %9.0f | %6s |\n", op " (transport)", "", median(ns[nm]), "", "", median(by[nm]), "", "", median(al[nm]), ""
    }
  }
}' "$out"

# benchstat, when it installs, for confidence intervals.
if command -v benchstat >/dev/null 2>&1 || go install golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da >/dev/null 2>&1; then
  echo
  PATH="$(go env GOPATH)/bin:$PATH" benchstat -col /impl "$out" 2>/dev/null || true
fi
