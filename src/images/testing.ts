// Test helpers: image builders and a small registry on loopback.

export * from './build.js';
export { startTestRegistry, type TestRegistry, type TestRegistryOptions } from './test-registry.js';
