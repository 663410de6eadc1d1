#!/usr/bin/env bash
# Makes a large HTTPS capture with Ethernet-sized packets for bench/pcap-bench.ts (run by hand, as root):
#   bash bench/pcap-make-capture.sh [OUT=/tmp/connscope-pcap-bench.pcap] [MB=220] [MIX=mixed|keepalive]
# Loopback inside a network namespace made for it: MTU 1500 and GSO limited to one segment, so tcpdump sees
# 1514-byte frames and realistic packet counts instead of 64 KiB GSO super-packets. nginx (TLS 1.2 + 1.3,
# session tickets) serves 64 KiB bodies; a node client mixes new connections (resumed through the agent's
# session cache), keep-alive connections, and TLS 1.2-only connections. MIX=keepalive sends every request over
# the keep-alive agent instead (about 40 connections rather than 1,400 for the same bytes): the pair tells
# what connscope spends per connection. The capture is NOT committed: delete it when done.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/connscope-pcap-bench.pcap}
MB=${2:-220}
MIX=${3:-mixed}
case "$MIX" in mixed|keepalive) ;; *) echo "MIX must be mixed or keepalive" >&2; exit 2 ;; esac
NS=connscope-pcap-bench
PORT=8443
WORK=$(mktemp -d /tmp/connscope-pcap-bench.XXXXXX)
TCPDUMP=""
cleanup() {
  [ -n "$TCPDUMP" ] && kill -INT "$TCPDUMP" 2>/dev/null && sleep 1 || true
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up mtu 1500
ip netns exec "$NS" ip link set lo gso_max_segs 1 gso_max_size 1500

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
head -c 65536 /dev/urandom > "$WORK/body"
# nginx workers run as nobody
chmod 755 "$WORK" && chmod 644 "$WORK/body"
mkdir -p "$WORK/logs"
cat > "$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log;
events { worker_connections 512; }
http {
  access_log off;
  keepalive_requests 50;
  server {
    listen 127.0.0.1:$PORT ssl;
    ssl_certificate $WORK/cert.pem;
    ssl_certificate_key $WORK/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:BENCH:4m;
    location /body { alias $WORK/body; }
  }
}
EOF
ip netns exec "$NS" nginx -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/logs/error.log"
sleep 0.3

ip netns exec "$NS" tcpdump -i lo -s 0 -B 131072 -w "$OUT" "tcp port $PORT" 2>"$WORK/tcpdump.log" &
TCPDUMP=$!
sleep 1

REQUESTS=$(( MB * 1024 / 64 ))
ip netns exec "$NS" node --input-type=module -e "
import https from 'node:https'; import fs from 'node:fs';
const ca = fs.readFileSync('$WORK/cert.pem');
const fresh = new https.Agent({ keepAlive: false, maxCachedSessions: 100 });
const pooled = new https.Agent({ keepAlive: true, maxSockets: 4 });
const tls12 = new https.Agent({ keepAlive: false, maxVersion: 'TLSv1.2' });
const get = (agent) => new Promise((resolve, reject) => {
  const req = https.get({ host: '127.0.0.1', port: $PORT, path: '/body', servername: 'localhost', ca, agent, timeout: 10000 }, (res) => {
    if (res.statusCode !== 200) reject(new Error('status ' + res.statusCode));
    res.resume(); res.on('end', resolve);
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', reject);
});
let next = 0;
const worker = async () => {
  while (next < $REQUESTS) {
    const i = next++;
    await get('$MIX' === 'keepalive' || i % 4 === 0 ? pooled : i % 4 === 1 ? tls12 : fresh);
  }
};
await Promise.all(Array.from({ length: 8 }, worker));
pooled.destroy();
"
sleep 1
kill -INT "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null || true
TCPDUMP=""
grep -E "captured|dropped" "$WORK/tcpdump.log" || true
echo "$OUT: $(stat -c %s "$OUT") bytes, $REQUESTS requests"
