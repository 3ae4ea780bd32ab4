#!/usr/bin/env python3
"""Hammers a live Grid program's control socket and prints what happened:

  1. every line of a corpus of malformed requests, plus built-in hostile
     inputs (oversized lines, NUL bytes, invalid UTF-8, deep nesting, many
     requests in one write), each answered with one error reply;
  2. 100 clients at once, each asking ps, while one client holds half a
     request and another leaves without reading its reply;
  3. the program still answers, and its settings did not change.

Usage: hammer.py SOCKET PID CORPUS"""
import json
import socket
import sys
import threading

SOCKET, PID, CORPUS = sys.argv[1], int(sys.argv[2]), sys.argv[3]
LIMIT = 64 * 1024


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(SOCKET)
    return s


def replies(s, count):
    """Reads count reply lines, each parsed."""
    data = b""
    while data.count(b"\n") < count:
        chunk = s.recv(1 << 16)
        if not chunk:
            break
        data += chunk
    lines = data.split(b"\n")[:count]
    return [json.loads(line) for line in lines]


def is_error(reply):
    return bool(reply.get("version") == 1 and reply.get("ok") is False
            and isinstance(reply.get("error"), str) and reply["error"])


def main():
    with open(CORPUS, "rb") as f:
        corpus = [line for line in f.read().split(b"\n") if line]
    hostile = [
        b"x" * (LIMIT + 1),                       # just over the limit
        b"{" + b"\"a\":1," * 40000 + b"}",         # 240 KB, one line
        b"[" * 30000 + b"]" * 30000,              # deep nesting, 60 KB
        b"{\"version\":1,\"request\":\"ps\"\x00}",  # a NUL byte
        b"{\"version\":1,\"request\":\"\xff\xfe\"}",  # invalid UTF-8
        b"\x00\x01\x02\x03",
    ]
    refused = 0
    s = connect()
    for line in corpus + hostile:
        s.sendall(line + b"\n")
        (reply,) = replies(s, 1)
        if is_error(reply):
            refused += 1
        else:
            print("NOT REFUSED:", line[:80], reply)
    print("malformed: %d of %d answered with an error" %
          (refused, len(corpus) + len(hostile)))

    # The same connection still works, and a batch in one write gets one
    # reply per line, in order.
    s.sendall(b"garbage\n{\"version\":1,\"request\":\"ps\"}\n"
              b"{\"version\":1,\"request\":\"nodes\"}\n")
    batch = replies(s, 3)
    print("batch: error=%s ps=%s nodes=%s" % (
        is_error(batch[0]), batch[1].get("ok"), batch[2].get("ok")))
    s.close()

    # A client holding half a request; one leaving without its reply.
    holder = connect()
    holder.sendall(b"{\"version\":1,\"req")
    leaver = connect()
    leaver.sendall(b"{\"version\":1,\"request\":\"ps\"}\n" * 50)
    leaver.close()

    results = []
    lock = threading.Lock()

    def client():
        try:
            c = connect()
            c.sendall(b"{\"version\":1,\"request\":\"ps\"}\n")
            (reply,) = replies(c, 1)
            c.close()
            ok = reply.get("ok") is True and reply["program"]["pid"] == PID
        except Exception as e:  # reported below as a failure
            ok = False
            print("client failed:", e)
        with lock:
            results.append(ok)

    threads = [threading.Thread(target=client) for _ in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("concurrent: %d of 100 clients answered" % sum(results))

    holder.sendall(b"uest\":\"ps\"}\n")
    (reply,) = replies(holder, 1)
    print("held request completed: ok=%s" % reply.get("ok"))
    holder.close()

    c = connect()
    c.sendall(b"{\"version\":1,\"request\":\"ps\"}\n")
    (reply,) = replies(c, 1)
    program = reply["program"]
    print("after: ok=%s thread tolerance %s (%s), process tolerance %s (%s)" % (
        reply["ok"], program["thread_tolerance"]["value"],
        program["thread_tolerance"]["source"],
        program["process_tolerance"]["value"],
        program["process_tolerance"]["source"]))


main()
