#!/usr/bin/env python3
"""Minimal RocketMQ remoting client used by scripts/cluster.sh.

Asks a NameServer for the route of a topic (request code 105,
GET_ROUTEINFO_BY_TOPIC) and checks which brokers it lists.

  route_probe.py NAMESRV [--topic T] [--expect ADDR ...] [--absent ADDR ...]
                 [--wait SECONDS] [--json]

Without --expect/--absent it prints the broker master addresses of the route,
one per line, and exits 0 when the lookup succeeds. With --expect it exits 0
once every given broker address is listed as a master (brokerId 0); with
--absent once none of the given addresses is listed (a topic that no longer
exists counts as absent). --wait retries (every 0.5 s) for up to that many
seconds. Exit status 1 means the condition was not met in time; diagnostics go
to stderr.

Wire format: int32 total length (excluding itself), int32 (serializeType << 24
| headerLength), JSON header, body. All integers big endian.
"""

import argparse
import json
import re
import socket
import struct
import sys
import time

GET_ROUTEINFO_BY_TOPIC = 105


def _recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by peer after %d of %d bytes" % (len(buf), n))
        buf.extend(chunk)
    return bytes(buf)


def _loads_lenient(raw):
    text = raw.decode("utf-8")
    try:
        return json.loads(text)
    except ValueError:
        # Java (fastjson) writes integer map keys unquoted: {0:"host:port"}.
        return json.loads(re.sub(r'([{,])\s*(-?\d+)\s*:', r'\1"\2":', text))


def request(addr, code, ext_fields, timeout=3.0, opaque=1):
    host, port = addr.rsplit(":", 1)
    header = {
        "code": code,
        "language": "RUST",
        "version": 479,
        "opaque": opaque,
        "flag": 0,
        "serializeTypeCurrentRPC": "JSON",
        "extFields": ext_fields,
    }
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    frame = struct.pack(">ii", 4 + len(header_bytes), len(header_bytes)) + header_bytes
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(frame)
        total = struct.unpack(">i", _recv_exact(sock, 4))[0]
        payload = _recv_exact(sock, total)
    mark = struct.unpack(">i", payload[:4])[0]
    serialize_type = (mark >> 24) & 0xFF
    header_len = mark & 0xFFFFFF
    if serialize_type != 0:
        raise ValueError("unexpected response serialize type %d" % serialize_type)
    resp_header = _loads_lenient(payload[4:4 + header_len])
    body = payload[4 + header_len:]
    return resp_header, body


def route(addr, topic, timeout=3.0):
    """Returns (code, remark, route_dict_or_None)."""
    header, body = request(addr, GET_ROUTEINFO_BY_TOPIC, {"topic": topic}, timeout)
    code = header.get("code")
    if code != 0:
        return code, header.get("remark"), None
    return code, None, (_loads_lenient(body) if body else {})


def master_addrs(route_data):
    addrs = []
    for bd in (route_data or {}).get("brokerDatas") or []:
        for broker_id, addr in (bd.get("brokerAddrs") or {}).items():
            if str(broker_id) == "0":
                addrs.append(addr)
    return addrs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("namesrv", help="host:port of the NameServer")
    ap.add_argument("--topic", default="TBW102")
    ap.add_argument("--expect", nargs="*", default=[], help="broker addresses that must be listed")
    ap.add_argument("--absent", nargs="*", default=[], help="broker addresses that must not be listed")
    ap.add_argument("--wait", type=float, default=0.0, help="seconds to keep retrying")
    ap.add_argument("--json", action="store_true", help="print the whole route JSON")
    args = ap.parse_args()

    deadline = time.monotonic() + max(args.wait, 0.0)
    last = "no attempt"
    while True:
        try:
            code, remark, data = route(args.namesrv, args.topic)
            listed = master_addrs(data)
            if code != 0:
                last = "route lookup code %s (%s)" % (code, remark)
                ok = bool(args.absent) and not args.expect
            else:
                missing = [a for a in args.expect if a not in listed]
                present = [a for a in args.absent if a in listed]
                ok = not missing and not present
                last = "listed=%s missing=%s unexpected=%s" % (listed, missing, present)
            if ok:
                if args.json and data is not None:
                    print(json.dumps(data, indent=2, sort_keys=True))
                elif code == 0:
                    for a in listed:
                        print(a)
                return 0
        except (OSError, ValueError) as e:
            last = "%s: %s" % (type(e).__name__, e)
        if time.monotonic() >= deadline:
            print("route_probe: %s topic %s: %s" % (args.namesrv, args.topic, last), file=sys.stderr)
            return 1
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
