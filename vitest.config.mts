import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'functions/**/*.test.ts',
      'packages/**/*.test.ts',
      'dev/**/*.test.ts',
      'tools/**/*.test.ts',
      'simulator/**/*.test.ts',
      'bench/**/*.test.ts',
      'test/**/*.test.ts',
      'infra/**/*.test.ts',
      'policy/**/*.test.ts',
      'dashboard/**/*.test.ts',
    ],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
