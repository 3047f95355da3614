// Attaching to a running container through its conmon: the container's stdio is reachable on
// conmon's `attach` socket (SOCK_SEQPACKET; each message from conmon is one byte naming the
// pipe, 2 = stdout, 3 = stderr, then the data; what a client sends goes to the container's
// stdin, and a client shutting down its side closes that stdin unless --leave-stdin-open).
// A terminal is resized on the container process's own terminal (`stty -F /proc/PID/fd/0`),
// one size at a time: conmon's `ctl` FIFO ("1 <height> <width>\n") is only the fallback, as
// conmon applies the first message of a read for every message in it (kubectl attach sends
// two sizes back to back, and the terminal kept the first).
//
// Node has no SOCK_SEQPACKET sockets, so a small Perl program (perl-base is Essential on
// Debian) bridges the socket to pipes, framing each message with its length.

import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, basename } from 'node:path';
import { PassThrough } from 'node:stream';
import { setWindowSize } from './exec.js';
import type { ExecSession } from './types.js';

const BRIDGE = String.raw`
use strict; use warnings; use Socket; use IO::Select;
my ($dir, $name) = @ARGV;
# A relative name keeps the address short of sun_path's 108 bytes.
chdir($dir) or die "chdir $dir: $!\n";
socket(my $s, AF_UNIX, SOCK_SEQPACKET, 0) or die "socket: $!\n";
connect($s, pack_sockaddr_un($name)) or die "connect: $!\n";
binmode STDIN; binmode STDOUT;
print STDERR "attached\n";
my $sel = IO::Select->new($s, \*STDIN);
while (1) {
  for my $fh ($sel->can_read) {
    if ($fh == $s) {
      my $buf = '';
      defined(recv($s, $buf, 65536, 0)) or exit 0;
      exit 0 if $buf eq '';
      my $out = pack('N', length $buf) . $buf;
      while (length $out) {
        my $n = syswrite(STDOUT, $out) or exit 0;
        substr($out, 0, $n) = '';
      }
    } else {
      my $n = sysread(STDIN, my $buf, 32768);
      if (!$n) { shutdown($s, 1); $sel->remove(\*STDIN); next; }
      send($s, $buf, 0);
    }
  }
}
`;

export interface AttachOptions {
  /** Pass input to the container's stdin (it must have been created with stdin open). */
  stdin: boolean;
  tty: boolean;
  /** The container's process (host pid): its terminal is resized directly. */
  pid?: number;
}

/**
 * Connects to conmon's attach socket at `socket` (resizes go to the `ctl` FIFO at `ctl`).
 * Output flows from the moment of attaching; `exit` resolves when conmon closes the socket
 * (the container ended) or the session is ended with kill().
 */
export async function attachToMonitor(
  socket: string,
  ctl: string,
  o: AttachOptions,
): Promise<ExecSession> {
  const child = spawn('perl', ['-e', BRIDGE, dirname(socket), basename(socket)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      err += d.toString();
      if (err.includes('attached\n')) {
        child.stderr.off('data', onData);
        resolve();
      }
    };
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('exit', () => reject(new Error(`cannot attach: ${err.trim() || 'bridge exited'}`)));
  });
  child.removeAllListeners('exit');
  child.stderr.resume();

  // Length-prefixed messages: [u32 length][pipe byte][data].
  let pending: Buffer = Buffer.alloc(0);
  child.stdout.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4) {
      const len = pending.readUInt32BE(0);
      if (pending.length < 4 + len) break;
      const msg = pending.subarray(4, 4 + len);
      pending = pending.subarray(4 + len);
      const data = msg.subarray(1);
      // With a terminal everything arrives as stdout.
      if (msg[0] === 3 && !o.tty) stderr.write(data);
      else stdout.write(data);
    }
  });
  const exit = new Promise<{ exitCode: number }>((resolve) => {
    child.once('close', () => {
      stdout.end();
      stderr.end();
      resolve({ exitCode: 0 });
    });
  });
  if (!o.stdin) child.stdin.end();
  child.stdin.on('error', () => undefined);
  return {
    ...(o.stdin ? { stdin: child.stdin } : {}),
    stdout,
    ...(o.tty ? {} : { stderr }),
    async resize({ width, height }) {
      if (!o.tty) return;
      if (o.pid && (await setWindowSize(`/proc/${o.pid}/fd/0`, { width, height }))) return;
      // O_NONBLOCK: a FIFO without a reader (conmon gone) must not hang the caller.
      const fh = await open(ctl, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => undefined);
      if (!fh) return;
      try {
        await fh.write(`1 ${height} ${width}\n`);
      } finally {
        await fh.close();
      }
    },
    kill() {
      child.kill('SIGKILL');
    },
    exit,
  };
}
