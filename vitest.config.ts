import { defineConfig } from 'vitest/config';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  test: {
    include: ['tests/**/*.test.{ts,tsx}'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The machine has two cores; browser tests start Chromium.
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ['default'],
  },
});
