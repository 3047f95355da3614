// The service proxy's nftables mode (kube-proxy's nftables proxier, in one table of ours).
export { createNftablesMode, DEFAULT_SERVICE_CIDR } from './mode.js';
export { TABLE as NFT_TABLE } from './rules.js';
