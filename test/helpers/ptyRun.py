"""Run a command with stderr on a pseudo-terminal (stdout a pipe); print {code, stdout, stderr} as JSON.

Used by the status-line test: the live line must appear on a terminal's stderr and nowhere else.
"""
import fcntl, json, os, pty, select, struct, subprocess, sys, termios

master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 100, 0, 0))  # 100 columns
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
os.close(slave)
streams = {master: b'', p.stdout.fileno(): b''}
open_fds = set(streams)
while open_fds:
    r, _, _ = select.select(list(open_fds), [], [], 1.0)
    for fd in r:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO on the terminal once the child has gone
            chunk = b''
        if chunk:
            streams[fd] += chunk
        else:
            open_fds.discard(fd)
    if not r and p.poll() is not None:
        break
p.wait()
print(json.dumps({'code': p.returncode, 'stdout': streams[p.stdout.fileno()].decode('utf-8', 'replace'),
                  'stderr': streams[master].decode('utf-8', 'replace')}))
