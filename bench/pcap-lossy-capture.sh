#!/usr/bin/env bash
# Makes a capture of real TCP loss, reordering and retransmissions, to compare connscope's retransmission
# and out-of-order counts with tshark's (run by hand, as root):
#   bash bench/pcap-lossy-capture.sh [OUT=/tmp/connscope-lossy.pcap] [LOSS=0.03]
#   npx tsx bench/pcap-retrans-compare.ts /tmp/connscope-lossy.pcap
# In a network namespace made for it, test/helpers/tun-delay.py (with LOSS and JITTER_MS set) forwards every packet through a TUN device that
# drops LOSS of them and delays the rest by 5 ms plus 0-4 ms jitter. 40 curl clients each download
# 300 kB twice over one connection from a node server. tcpdump keeps what the client sees: its own
# packets before the loss, the server's after it. The capture is NOT committed: delete it when done.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/connscope-lossy.pcap}
LOSS=${2:-0.03}
NS=connscope-pcap-lossy
WORK=$(mktemp -d /tmp/connscope-pcap-lossy.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
mkfifo "$WORK/tun.in"
LOSS=$LOSS JITTER_MS=4 ip netns exec "$NS" python3 test/helpers/tun-delay.py tun0 10.9.0.1 10.9.0.2 5 120 < "$WORK/tun.in" > "$WORK/tun.log" &
PIDS+=($!)
exec 3> "$WORK/tun.in" # the helper exits when this closes
until grep -q ready "$WORK/tun.log" 2>/dev/null; do sleep 0.1; done
cat > "$WORK/server.mjs" <<'JS'
import http from 'node:http';
const body = Buffer.alloc(300_000, 'x');
http.createServer((req, res) => res.end(body)).listen(8080, '10.9.0.1', () => console.log('listening'));
JS
ip netns exec "$NS" node "$WORK/server.mjs" > "$WORK/server.log" &
PIDS+=($!)
until grep -q listening "$WORK/server.log" 2>/dev/null; do sleep 0.1; done
ip netns exec "$NS" tcpdump -i tun0 -s 0 -w "$OUT" 'tcp and ((src host 10.9.0.1 and dst port 8080) or (src host 10.9.0.2 and src port 8080))' 2>/dev/null &
TCPDUMP=$!
PIDS+=($TCPDUMP)
sleep 1
CURLS=()
for _ in $(seq 1 40); do
  ip netns exec "$NS" curl -s --max-time 60 -o /dev/null -o /dev/null http://10.9.0.2:8080/a http://10.9.0.2:8080/b &
  CURLS+=($!)
done
wait "${CURLS[@]}" || true
sleep 1
kill -INT "$TCPDUMP"
wait "$TCPDUMP" 2>/dev/null || true
exec 3>&-
echo "$OUT: $(stat -c %s "$OUT") bytes"
