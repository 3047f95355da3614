// A Go []byte as a validation error's bad value: printed as Go's %#v prints it.

/** nil when `bytes` is undefined. */
export class GoBytes {
  readonly bytes: Uint8Array | undefined;
  constructor(bytes: Uint8Array | undefined) {
    this.bytes = bytes;
  }
  toString(): string {
    if (!this.bytes) return '[]byte(nil)';
    return `[]byte{${[...this.bytes].map((b) => `0x${b.toString(16)}`).join(', ')}}`;
  }
}
