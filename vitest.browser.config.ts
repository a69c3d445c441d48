// Browser tier: `npx vitest run -c vitest.browser.config.ts`.
// Vitest is only the runner (node environment); each test drives Debian's Chromium
// with playwright-core against a Vite dev server started in global-setup.ts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/browser/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['tests/browser/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 600_000,
    teardownTimeout: 60_000,
  },
});
