/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer is a static bundle served by the app's own protocol handler (Electron) or by the
// bridge's request interception (Chromium): relative asset paths, no dev-server URLs baked in,
// no remote fonts, and no inline scripts so that the CSP can say script-src 'self'.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: false,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 4096,
  },
  // Unit and integration tests (vitest). End-to-end tests run under Playwright: test/e2e.
  // Integration tests share one real PostgreSQL per run (globalSetup); unit tests start nothing;
  // the onprem tests share one external-style cluster (Debian's postgresql, TLS, SCRAM only).
  test: {
    root: '.',
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: ['test/integration/onprem/**'],
          globalSetup: ['test/support/pg-global.ts'],
        },
      },
      {
        // Against an external-style PostgreSQL (Debian's server, TLS verify-full, SCRAM only).
        extends: true,
        test: {
          name: 'onprem',
          include: ['test/integration/onprem/**/*.test.ts'],
          globalSetup: ['test/support/external-pg-global.ts'],
        },
      },
    ],
  },
});
