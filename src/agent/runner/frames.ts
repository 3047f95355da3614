// The frames between the agent and the command runner's Perl process (command-runner.pl).
// All integers are unsigned 32-bit big-endian; every frame starts with the length of the
// rest of it:
//   request  = length, id, argc, (length, bytes) × argc, cwd length, cwd, input length, input
//   kill     = length, id, 0xffffffff, id of the command to SIGKILL
//   response = length, id, wait status, stdout length, stdout, stderr length, stderr

/** Stands where a request has its argc: this frame kills a running command. */
export const KILL_MARK = 0xffffffff;

export interface CommandRequest {
  id: number;
  /** argv[0] is a path or a name looked up on PATH. */
  argv: string[];
  /** The working directory; the runner's own when empty. */
  cwd: string;
  /** Written to the command's standard input, which is then closed. */
  input: Buffer;
}

export interface CommandResponse {
  id: number;
  /** The wait status as waitpid(2) gives it. */
  status: number;
  stdout: Buffer;
  stderr: Buffer;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export function encodeRequest(r: CommandRequest): Buffer {
  const parts: Buffer[] = [u32(r.id), u32(r.argv.length)];
  for (const a of r.argv) {
    const b = Buffer.from(a);
    parts.push(u32(b.length), b);
  }
  const cwd = Buffer.from(r.cwd);
  parts.push(u32(cwd.length), cwd, u32(r.input.length), r.input);
  const body = Buffer.concat(parts);
  return Buffer.concat([u32(body.length), body]);
}

/** A frame asking the runner to SIGKILL the command it knows by `target`. */
export function encodeKill(id: number, target: number): Buffer {
  return Buffer.concat([u32(12), u32(id), u32(KILL_MARK), u32(target)]);
}

/** Decodes a response body (a frame without its leading length). */
export function decodeResponse(body: Buffer): CommandResponse {
  const id = body.readUInt32BE(0);
  const status = body.readUInt32BE(4);
  const outLen = body.readUInt32BE(8);
  // Copies, so a small result does not keep a large read buffer alive.
  const stdout = Buffer.from(body.subarray(12, 12 + outLen));
  const errLen = body.readUInt32BE(12 + outLen);
  const stderr = Buffer.from(body.subarray(16 + outLen, 16 + outLen + errLen));
  return { id, status, stdout, stderr };
}

/** A wait status as an exit code, or the signal that ended the command. */
export function exitOf(status: number): { code: number | null; signal: number | null } {
  const signal = status & 0x7f;
  return { code: signal ? null : status >> 8, signal: signal || null };
}

/** Gathers a byte stream into whole frames, however the reads split it. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  /** Adds a chunk; returns the bodies of the frames it completed, in order. */
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const bodies: Buffer[] = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (this.buf.length < 4 + len) break;
      bodies.push(this.buf.subarray(4, 4 + len));
      this.buf = this.buf.subarray(4 + len);
    }
    return bodies;
  }

  /** Bytes held of a frame not yet whole. */
  get buffered(): number {
    return this.buf.length;
  }
}
