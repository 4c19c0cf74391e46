import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // tests/live reaches the real venues: only with TRADER_LIVE_TESTS=1 (and credentials), never in CI.
    exclude: process.env.TRADER_LIVE_TESTS === '1' ? ['**/node_modules/**'] : ['**/node_modules/**', 'tests/live/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: e2e tests spawn runners that need a core each.
    maxWorkers: 2,
  },
});
