// Byte-stream helpers shared by the API server's upgrade tunnels and the node's streams.

export { CopySlabs } from './copy-slabs.js';
