import { runStoreConformance } from '../../test/support/storage-conformance.js';
import { createMemoryStore } from './memory.js';

runStoreConformance('memory', () => createMemoryStore());
