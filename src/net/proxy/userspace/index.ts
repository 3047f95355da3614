// The userspace service proxy mode: listeners of our own for machines where the kernel
// cannot be programmed (no nftables, or no root).

export { createUserspaceMode } from './mode.js';
export type { HostCommand, ModeOptions, UserspaceModeOptions } from './options.js';
