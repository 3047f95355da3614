// Byte-stream and proxy helpers shared by the API server's upgrade tunnels and proxy verbs,
// the node's streams and the dashboard's pass-through.

export { CopySlabs } from './copy-slabs.js';
export { connectionTokens, HOP_BY_HOP_HEADERS } from './hop-by-hop.js';
