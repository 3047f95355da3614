// Lint rules: type-aware, no floating promises, the layers of src/ and no import cycles.
import tseslint from 'typescript-eslint';
import { skiffPlugin } from './eslint-rules/layers.js';

// The layers of src/ (README, "How it is built"). A component is a folder directly under src/;
// another component reaches it only through its index.ts. The rules read relative imports
// only, so they apply to every .ts file and decide by the importing file's path:
// - test files (*_test.ts) may reach the internals of their own component only, like its code;
// - test/ and bench/ exercise the whole system and may reach into any component;
// - nothing under src/ that ships (not a *_test.ts) imports from test/.
export const layerPolicy = {
  root: import.meta.dirname,
  // src/api is the shared vocabulary (types, errors, labels, kinds): it has no single index.
  // Its top-level modules and each subfolder's index.ts are public; deeper files (the pieces
  // of a kind, the OpenAPI tables) are internal to it.
  shared: ['api'],
  forbidden: [
    {
      to: 'storage',
      allowed: ['apiserver', 'cli'],
      why: 'only the API server (and the composition root) touches storage; use the client.',
    },
    {
      to: 'apiserver',
      from: ['agent', 'controllers', 'scheduler', 'dashboard'],
      why: 'they are API clients: talk to the server through src/client, share types through src/api.',
    },
    {
      to: 'agent',
      allowed: ['cli'],
      why: 'a node is reached over its HTTPS API (the kubelet client), as if on another machine.',
    },
  ],
  // The composition root may load one light module of a component with import() so that
  // short commands (`skiff version`, `skiff kubeconfig`) do not load the whole component.
  compositionRootEntries: {
    cli: [
      'src/agent/preflight.ts',
      'src/apiserver/version.ts',
      'src/client/kubeconfig.ts',
      'src/pki/token-file.ts',
    ],
  },
  // Known breaches, each to go (none today).
  pending: [],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'bin/**',
      'scripts/**',
      'eslint.config.js',
      'eslint-rules/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: [
                'describe',
                'it',
                'test',
                'suite',
                'before',
                'after',
                'beforeEach',
                'afterEach',
              ],
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { skiff: skiffPlugin },
    rules: {
      'skiff/layers': ['error', layerPolicy],
      'skiff/no-cycle': ['error', { root: import.meta.dirname }],
    },
  },
);
