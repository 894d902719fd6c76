import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module). Node loads the CJS one for Pothos and Yoga; Vite
    // would hand our sources the ESM one: two graphql realms. Pin ours to the one Node loads.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // One PostgreSQL for the run: the local server, or a throwaway cluster from the local binaries.
    globalSetup: ['./test/setup/postgres.global.ts', './test/setup/pglite-template.global.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // PGlite instances and child servers are heavy: a few files at a time on a 2-core machine.
    maxWorkers: 2,
  },
});
