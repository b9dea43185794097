import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The CloudBase SDK otherwise probes a metadata host before every request (and keeps the process
    // alive on a closed network), and warns about "slow" requests on a loaded machine.
    env: { TENCENTCLOUD: 'true', SILENCE: 'true' },
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
