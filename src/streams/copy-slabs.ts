// Copies of bytes read into a reused buffer (net's `onread`), for writes that may have to
// wait, made in a few slabs that are used again once every write holding a piece of them is
// done. Streams at full speed (the API server's upgrade tunnels, the node's port-forwarding)
// read this way instead of into a new buffer per read: those buffers, hundreds of MB a
// second outside the JS heap, kept the garbage collector marking the whole heap every few
// megabytes.

const SLAB_BYTES = 256 * 1024;
/** Free slabs kept for the next streams (16 MiB): a short connection then allocates none. */
const MAX_FREE_SLABS = 64;
const freeSlabs: Buffer[] = [];

function freeSlab(slab: Buffer): void {
  if (freeSlabs.length < MAX_FREE_SLABS) freeSlabs.push(slab);
}

export class CopySlabs {
  private slab: Buffer | undefined;
  private used = 0;
  private closed = false;
  /** Writes not yet done, per slab. */
  private readonly pending = new Map<Buffer, number>();

  /** A copy of `bytes`, and what to call once the write holding it is done. */
  copy(bytes: Buffer): [copy: Buffer, release: () => void] {
    if (bytes.length > SLAB_BYTES || this.closed) return [Buffer.from(bytes), () => {}];
    if (!this.slab || this.used + bytes.length > this.slab.length) this.nextSlab();
    const slab = this.slab!;
    bytes.copy(slab, this.used);
    const piece = slab.subarray(this.used, this.used + bytes.length);
    this.used += bytes.length;
    this.pending.set(slab, (this.pending.get(slab) ?? 0) + 1);
    return [piece, () => this.release(slab)];
  }

  /** The stream is over: its slabs go back once their writes are done. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const slab = this.slab;
    this.slab = undefined;
    if (slab && !this.pending.has(slab)) freeSlab(slab);
  }

  private nextSlab(): void {
    const full = this.slab;
    this.slab = freeSlabs.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES);
    this.used = 0;
    if (full && !this.pending.has(full)) freeSlab(full);
  }

  private release(slab: Buffer): void {
    const left = (this.pending.get(slab) ?? 1) - 1;
    if (left > 0) {
      this.pending.set(slab, left);
      return;
    }
    this.pending.delete(slab);
    if (slab !== this.slab) freeSlab(slab);
  }
}
