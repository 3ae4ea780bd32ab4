#!/usr/bin/env python3
"""Runs `gridctl top` in a pseudo-terminal (its live ncurses view) while a
Grid program runs, makes the program finish, and prints what top did:
whether it showed the program, kept running after the program ended and
then showed no program, and quit on `q` with status 0.

Usage: top-watch.py STOPFILE PID GRIDCTL-ARGS..."""
import os
import pty
import re
import select
import sys
import time

stop_file, pid = sys.argv[1], sys.argv[2]
args = sys.argv[3:]

child, fd = pty.fork()
if child == 0:
    os.environ["TERM"] = "xterm"
    os.environ["LINES"], os.environ["COLUMNS"] = "30", "120"
    os.execvp(args[0], args)

screen = b""


def read_for(seconds):
    """Collects top's output for a while; False if top has exited."""
    global screen
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return False
            if not data:
                return False
            screen += data
    return True


def text(data):
    """The printable text of a stretch of terminal output."""
    data = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>]",
                  b" ", data)
    return data.decode("utf-8", "replace")


def wait_until(predicate, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not read_for(0.2):
            return False
        if predicate():
            return True
    return False


shown = wait_until(lambda: "pid %s" % pid in text(screen), 20)
print("top shows the program: %s" % shown)
mark = len(screen)
open(stop_file, "w").close()
gone = wait_until(lambda: "no running Grid programs" in text(screen[mark:]), 20)
print("after it ended, top shows no program: %s" % gone)
alive = os.waitpid(child, os.WNOHANG) == (0, 0)
print("top still running: %s" % alive)
os.write(fd, b"q")
status = None
end = time.monotonic() + 10
while time.monotonic() < end:
    read_for(0.1)
    done, raw = os.waitpid(child, os.WNOHANG)
    if done:
        status = os.waitstatus_to_exitcode(raw)
        break
print("top quit on q with status %s" % status)
