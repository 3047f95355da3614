// A sorted set of strings kept as a list of small sorted chunks: inserts and deletes move
// at most one chunk's worth of entries, and a range scan seeks with two binary searches.
// Order is JavaScript string order (UTF-16 code units), which equals byte order for the
// ASCII keys the API server writes.

const MAX_CHUNK = 512;

export class SortedKeys {
  #chunks: string[][] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds key; the caller guarantees it is not present. */
  insert(key: string): void {
    this.#size++;
    if (this.#chunks.length === 0) {
      this.#chunks.push([key]);
      return;
    }
    const ci = Math.min(this.#chunkFor(key), this.#chunks.length - 1);
    const chunk = this.#chunks[ci]!;
    chunk.splice(lowerBound(chunk, key), 0, key);
    if (chunk.length > MAX_CHUNK) {
      this.#chunks.splice(ci + 1, 0, chunk.splice(chunk.length >> 1));
    }
  }

  /** Removes key; returns whether it was present. */
  delete(key: string): boolean {
    const ci = this.#chunkFor(key);
    const chunk = this.#chunks[ci];
    if (!chunk) return false;
    const i = lowerBound(chunk, key);
    if (chunk[i] !== key) return false;
    chunk.splice(i, 1);
    if (chunk.length === 0) this.#chunks.splice(ci, 1);
    this.#size--;
    return true;
  }

  /** Keys in order, starting at start (or just after it when exclusive). */
  *from(start: string, exclusive: boolean): Generator<string> {
    let ci = this.#chunkFor(start);
    const first = this.#chunks[ci];
    if (!first) return;
    let i = lowerBound(first, start);
    if (exclusive && first[i] === start) i++;
    for (; ci < this.#chunks.length; ci++, i = 0) {
      const chunk = this.#chunks[ci]!;
      for (; i < chunk.length; i++) yield chunk[i]!;
    }
  }

  /** Index of the first chunk whose last key is >= key (chunks.length if none). */
  #chunkFor(key: string): number {
    let lo = 0;
    let hi = this.#chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = this.#chunks[mid]!;
      if (chunk[chunk.length - 1]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** First index in a sorted array whose element is >= key. */
export function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
