#!/usr/bin/env bash
# Performance report, in two parts (about 20 minutes on 2 cores with the defaults).
#
# 1. The SDK against the hand-written floor (internal/bench/hand.go: what a competent engineer
#    writes with net/http and encoding/json) on one loopback server serving pre-rendered pages.
#    -cpu 1, `count` runs of each; prints the medians with the SDK/hand ratios of time, B/op and
#    allocs/op, then benchstat with hand and sdk as columns (sdk vs hand, with p-values).
# 2. What users wait for, over latency injected by pingonetest: bulk moves over round-trip time ×
#    rate limit, a listing with work per item, and the connections a bulk job opens. These run
#    once each, at the machine's GOMAXPROCS: they measure waiting, not CPU.
#
# Usage: scripts/bench.sh [count] [benchtime]   (defaults: 6 and 1s)
# Every bulk cell moves PINGONE_BENCH_MOVES users, 2,000 by default as issue 13 measures them
# (about 13 minutes: 200 s a cell at 10 requests/s); PINGONE_BENCH_MOVES=0 moves min(3 × rate,
# 1000) for a quick look. PINGONE_BENCH_LIMITER=bucket counts the rate limit with a token bucket
# instead of pingonetest's fixed one-second windows.
set -euo pipefail
export PINGONE_BENCH_MOVES=${PINGONE_BENCH_MOVES:-2000}
cd "$(dirname "$0")/.."
count=${1:-6}
benchtime=${2:-1s}
BENCHSTAT_VERSION=v0.0.0-20260908200009-22c9c6c9d4da # golang.org/x/perf

export PATH="$(go env GOPATH)/bin:$PATH"
if ! { command -v benchstat >/dev/null && go version -m "$(command -v benchstat)" | grep -q "$BENCHSTAT_VERSION"; }; then
  go install "golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION"
fi

micro=$(mktemp -t pingone-bench.XXXXXX)
wire=$(mktemp -t pingone-bench-wire.XXXXXX)
trap 'rm -f "$micro" "$wire"' EXIT

echo "# $(go version), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo
echo "## SDK vs hand-written floor"
echo "# go test -run '^\$' -bench . -skip 'Latency|Connections' -benchmem -cpu 1 -count $count -benchtime $benchtime ./internal/bench"
go test -run '^$' -bench . -skip 'Latency|Connections' -benchmem -cpu 1 -count "$count" -benchtime "$benchtime" ./internal/bench >"$micro"

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
  printf "| %-22s | %12s | %12s | %6s | %12s | %12s | %6s | %9s | %9s | %6s |\n", "operation (median)", "sdk ns/op", "hand ns/op", "time", "sdk B/op", "hand B/op", "bytes", "sdk alloc", "hand alloc", "allocs"
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
}' "$micro"
echo
echo "# benchstat -col '/impl@(hand sdk)': sdk vs hand (base), ~ when p >= 0.05"
benchstat -col '/impl@(hand sdk)' "$micro"

echo
echo "## Over latency (pingonetest WithLatency), GOMAXPROCS $(nproc)"
echo "# PINGONE_BENCH_MOVES=$PINGONE_BENCH_MOVES PINGONE_BENCH_LIMITER=${PINGONE_BENCH_LIMITER:-} go test -run '^\$' -bench 'Latency|Connections' -benchtime 1x -count 1 -timeout 60m ./internal/bench"
go test -run '^$' -bench 'Latency|Connections' -benchtime 1x -count 1 -timeout 60m ./internal/bench >"$wire"

# One table per benchmark family, from the name's key=value parts and the reported metrics.
awk '
function metric(unit,   i) { for (i=2; i<NF; i++) if ($(i+1)==unit) return $i; return "" }
function key(k,   n, parts, i) {
  n=split(name, parts, "/")
  for (i=2; i<=n; i++) if (index(parts[i], k "=")==1) return substr(parts[i], length(k)+2)
  return ""
}
{ name=$1; sub(/-[0-9]+$/, "", name) }
/^BenchmarkLatencyMoveAll\// {
  bulk=bulk sprintf("| %s | %s | %s | %.2f | %.2f | %.2fx | %.1f | %.0f | %d |\n", key("rtt"), key("rate"), key("moves"),
    metric("s"), metric("ideal-s"), metric("x-ideal"), metric("429-%"), metric("moves/s"), metric("failed"))
}
/^BenchmarkLatencyList/ {
  list=list sprintf("| %.2f | %.2f | %.2f | %.2f | %.2f | %.2fx |\n", metric("total-s"), metric("network-s"),
    metric("consumer-s"), metric("max-s"), metric("sum-s"), metric("x-max"))
}
/^BenchmarkConnections\// {
  conns=conns sprintf("| %s | %s | %d | %.2f |\n", key("proto"), key("client"), metric("conns"), metric("conns/worker"))
}
END {
  print "\n### Bulk moves: Users.MoveAll, default options (ideal = (moves + listings) / rate)"
  print "| RTT | rate/s | moves | wall s | ideal s | x ideal | 429 % | moves/s | failed |"
  print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf "%s", bulk
  print "\n### Listing: Users.List over 10,000 users, RTT 50 ms, consumer waiting 0.5 ms per user"
  print "| total s | network s | consumer s | max s | sum s | total / max |"
  print "|---:|---:|---:|---:|---:|---:|"
  printf "%s", list
  print "\n### Connections: MoveAll of 400 users (default options: up to 64 moves in flight) over TLS"
  print "| protocol | client | connections | per worker |"
  print "|---|---|---:|---:|"
  printf "%s", conns
}' "$wire"
echo
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
