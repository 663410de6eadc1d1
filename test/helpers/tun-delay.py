"""Packet-level latency for tests: a TUN device whose every IPv4 packet is held for a fixed delay.

Usage (as root, inside a network namespace made for the test):
    python3 tun-delay.py IFNAME LOCAL_ADDR PEER_ADDR DELAY_MS MAX_SECONDS

A packet the kernel routes to PEER_ADDR is read from the device, its source and destination
addresses are swapped and, DELAY_MS later, it is written back, so the kernel receives it as coming
from PEER_ADDR and going to LOCAL_ADDR. A client connecting to PEER_ADDR:port thus reaches a
server listening on LOCAL_ADDR:port, and every packet (SYN and SYN-ACK included) crosses the
device once: one round trip costs 2 x DELAY_MS. Swapping the two addresses leaves the IP and TCP
checksums valid (both are one's-complement sums over them). A user-space TCP proxy cannot do
this: the kernel completes the handshake before the proxy sees the connection.

Optional loss and jitter from the environment (bench/pcap-lossy-capture.sh uses them; tests leave
them at 0): LOSS drops each packet with that probability, JITTER_MS adds up to that many ms to each
packet's delay, so packets also overtake each other and the kernel's TCP retransmits for real.

Prints 'ready' once the device is up; exits when stdin closes or after MAX_SECONDS.
"""
import fcntl
import heapq
import os
import random
import select
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
LOSS = float(os.environ.get('LOSS', '0'))
JITTER = float(os.environ.get('JITTER_MS', '0')) / 1000.0


def main() -> None:
    name, local, peer = sys.argv[1], sys.argv[2], sys.argv[3]
    delay = float(sys.argv[4]) / 1000.0
    deadline = time.monotonic() + float(sys.argv[5])
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    subprocess.run(['ip', 'addr', 'add', local, 'peer', peer, 'dev', name], check=True)
    subprocess.run(['ip', 'link', 'set', name, 'up'], check=True)
    print('ready', flush=True)
    queue: list = []
    seq = 0
    while True:
        now = time.monotonic()
        if now >= deadline:
            return
        timeout = deadline - now
        if queue:
            timeout = min(timeout, max(0.0, queue[0][0] - now))
        readable, _, _ = select.select([fd, 0], [], [], timeout)
        if 0 in readable and not os.read(0, 4096):
            return
        if fd in readable:
            packet = bytearray(os.read(fd, 65535))
            if len(packet) >= 20 and packet[0] >> 4 == 4:
                packet[12:16], packet[16:20] = packet[16:20], packet[12:16]
                if LOSS == 0 or random.random() >= LOSS:
                    jitter = random.random() * JITTER if JITTER else 0.0
                    heapq.heappush(queue, (time.monotonic() + delay + jitter, seq, bytes(packet)))
                    seq += 1
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            os.write(fd, heapq.heappop(queue)[2])


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        pass
