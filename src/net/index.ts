// Node networking components, run by each node as API clients.

// Cluster DNS (dns/).
export * from './dns/index.js';
