// Imported first by the entry points (main.ts, worker.ts): see allocator.ts.
import { tuneAllocator } from './allocator.js';

tuneAllocator();
