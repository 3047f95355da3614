import { runStoreConformance } from './conformance.js';
import { createMemoryStore } from './memory.js';

runStoreConformance('memory', () => createMemoryStore());
