// Runs short host commands (ip, mount, unshare, runc start|kill|delete…) through one small
// long-lived process. Node forks its whole process for every spawn, and the fork costs more
// the bigger the heap: a few milliseconds of the agent's CPU per command at a few hundred MB,
// and a pod start needs about eight. A Perl process of a few MB (perl-base is Essential on
// Debian) forks for us instead, and many commands run at once.
//
// Frames, all integers unsigned 32-bit big-endian:
//   request  = length, id, argc, (length, bytes) × argc, cwd length, cwd, input length, input
//   kill     = length, id, 0xffffffff, id of the command to SIGKILL
//   response = length, id, wait status, stdout length, stdout, stderr length, stderr

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

const SERVER = String.raw`
use strict; use warnings; use IO::Select; use POSIX ();
binmode STDIN; binmode STDOUT;
my $in = ''; my %jobs; my %byfh;
my $sel = IO::Select->new(\*STDIN);
sub reply { my ($j) = @_;
  waitpid($j->{pid}, 0); my $st = $?; delete $jobs{$j->{id}};
  my $body = pack('NN', $j->{id}, $st) . pack('N', length $j->{out}) . $j->{out}
    . pack('N', length $j->{err}) . $j->{err};
  my $msg = pack('N', length $body) . $body;
  while (length $msg) { my $n = syswrite(STDOUT, $msg); exit 0 unless defined $n; substr($msg, 0, $n) = ''; }
}
sub start { my ($buf) = @_;
  my ($id, $argc) = unpack('NN', $buf); my $o = 8; my @argv;
  if ($argc == 0xffffffff) { my $t = $jobs{unpack('N', substr($buf, 8, 4))}; kill('KILL', $t->{pid}) if $t; return; }
  for (1 .. $argc) { my $l = unpack('N', substr($buf, $o, 4)); push @argv, substr($buf, $o + 4, $l); $o += 4 + $l; }
  my $cl = unpack('N', substr($buf, $o, 4)); my $cwd = substr($buf, $o + 4, $cl); $o += 4 + $cl;
  my $il = unpack('N', substr($buf, $o, 4)); my $input = substr($buf, $o + 4, $il);
  pipe(my $ir, my $iw) or die; pipe(my $or, my $ow) or die; pipe(my $er, my $ew) or die;
  my $pid = fork();
  if (!defined $pid) { my $j = { id => $id, pid => 0, out => '', err => "fork: $!", open => 0 }; reply($j); return; }
  if ($pid == 0) {
    close $iw; close $or; close $er;
    POSIX::dup2(fileno $ir, 0); POSIX::dup2(fileno $ow, 1); POSIX::dup2(fileno $ew, 2);
    if (length $cwd) { chdir($cwd) or do { print STDERR "chdir $cwd: $!\n"; POSIX::_exit(126) } }
    exec { $argv[0] } @argv; print STDERR "$argv[0]: $!\n"; POSIX::_exit(127);
  }
  close $ir; close $ow; close $ew;
  local $SIG{PIPE} = 'IGNORE'; syswrite($iw, $input) if length $input; close $iw;
  my $j = { id => $id, pid => $pid, out => '', err => '', open => 2 }; $jobs{$id} = $j;
  $byfh{fileno $or} = [$j, 'out', $or]; $byfh{fileno $er} = [$j, 'err', $er];
  $sel->add($or, $er);
}
$SIG{PIPE} = 'IGNORE';
while (1) {
  for my $fh ($sel->can_read) {
    if ($fh == \*STDIN) {
      my $n = sysread(STDIN, my $chunk, 65536); exit 0 unless $n;
      $in .= $chunk;
      while (length $in >= 4) { my $l = unpack('N', $in); last if length $in < 4 + $l;
        my $buf = substr($in, 4, $l); substr($in, 0, 4 + $l) = ''; start($buf); }
      next;
    }
    my $e = $byfh{fileno $fh}; my ($j, $k) = @$e;
    my $n = sysread($fh, my $chunk, 65536);
    if ($n) { $j->{$k} .= $chunk; next; }
    $sel->remove($fh); delete $byfh{fileno $fh}; close $fh;
    reply($j) if --$j->{open} == 0;
  }
}
`;

export interface CommandResult {
  /** Exit status; null when killed by a signal. */
  code: number | null;
  signal: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

export interface CommandOptions {
  input?: string | Buffer;
  cwd?: string;
  /** Killed (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
}

let server: ChildProcessWithoutNullStreams | undefined;
let nextId = 1;
const pending = new Map<number, (r: CommandResult | Error) => void>();

function ensureServer(): ChildProcessWithoutNullStreams {
  if (server && server.exitCode === null && !server.killed) return server;
  const child = spawn('perl', ['-e', SERVER], { stdio: ['pipe', 'pipe', 'pipe'] });
  let buf: Buffer = Buffer.alloc(0);
  child.stdout.on('data', (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    while (buf.length >= 4) {
      const len = buf.readUInt32BE(0);
      if (buf.length < 4 + len) break;
      const body = buf.subarray(4, 4 + len);
      buf = buf.subarray(4 + len);
      const id = body.readUInt32BE(0);
      const status = body.readUInt32BE(4);
      const outLen = body.readUInt32BE(8);
      const stdout = Buffer.from(body.subarray(12, 12 + outLen));
      const errLen = body.readUInt32BE(12 + outLen);
      const stderr = Buffer.from(body.subarray(16 + outLen, 16 + outLen + errLen));
      const done = pending.get(id);
      pending.delete(id);
      const signal = status & 0x7f;
      done?.({ code: signal ? null : status >> 8, signal: signal || null, stdout, stderr });
    }
  });
  child.stderr.resume();
  const fail = (e: Error): void => {
    for (const done of pending.values()) done(e);
    pending.clear();
    if (server === child) server = undefined;
  };
  child.on('error', fail);
  child.on('exit', () => fail(new Error('the command runner exited')));
  child.stdin.on('error', () => undefined);
  // It must not keep the agent's process alive.
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr])
    (s as unknown as { unref?: () => void }).unref?.();
  server = child;
  return child;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Runs argv (argv[0] a path or a name on PATH) to its end and collects its output. */
export function runCommand(argv: string[], o: CommandOptions = {}): Promise<CommandResult> {
  const child = ensureServer();
  const id = nextId++;
  if (nextId > 0xffffffff) nextId = 1;
  const parts: Buffer[] = [u32(id), u32(argv.length)];
  for (const a of argv) {
    const b = Buffer.from(a);
    parts.push(u32(b.length), b);
  }
  const cwd = Buffer.from(o.cwd ?? '');
  const input = Buffer.isBuffer(o.input) ? o.input : Buffer.from(o.input ?? '');
  parts.push(u32(cwd.length), cwd, u32(input.length), input);
  const body = Buffer.concat(parts);
  return new Promise((resolve, reject) => {
    // A command that hangs is killed, so nothing waits on it for ever.
    const timer = setTimeout(() => {
      child.stdin.write(Buffer.concat([u32(12), u32(nextId++), u32(0xffffffff), u32(id)]));
    }, o.timeoutMs ?? 60_000);
    timer.unref();
    pending.set(id, (r) => {
      clearTimeout(timer);
      if (r instanceof Error) reject(r);
      else resolve(r);
    });
    // While commands run, the runner keeps the event loop alive as a child would.
    child.ref();
    (child.stdout as unknown as { ref?: () => void }).ref?.();
    child.stdin.write(Buffer.concat([u32(body.length), body]));
  }).finally(() => {
    if (!pending.size) {
      child.unref();
      (child.stdout as unknown as { unref?: () => void }).unref?.();
    }
  }) as Promise<CommandResult>;
}

/** An error like execFile's: the message, with `code` and `stderr` attached. */
export class CommandFailed extends Error {
  readonly code: number | null;
  readonly stderr: string;
  readonly stdout: string;
  constructor(argv: string[], r: CommandResult) {
    const stderr = r.stderr.toString();
    super(
      `Command failed: ${argv.join(' ')}\n${stderr}`.trimEnd() +
        (r.signal ? ` (signal ${r.signal})` : ''),
    );
    this.code = r.code;
    this.stderr = stderr;
    this.stdout = r.stdout.toString();
  }
}

/** execFile's promise form, through the runner: resolves with the output on exit 0. */
export async function execCommand(
  file: string,
  args: string[],
  o: CommandOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  const r = await runCommand([file, ...args], o);
  if (r.code !== 0) throw new CommandFailed([file, ...args], r);
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}
