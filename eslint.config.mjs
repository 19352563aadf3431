// ESLint flat config for every workspace (run by each workspace's `npm run lint`).
// typescript-eslint's recommended rules without type information (fast: the type check is
// `tsc --noEmit`, run by the same lint script). Formatting is Prettier's job (.prettierrc.json).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/test-output/**', '**/coverage/**', '**/.turbo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        clearImmediate: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        AbortController: 'readonly',
        fetch: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        require: 'readonly',
        module: 'writable',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      // Output goes through process.stdout/stderr writes (the CLI) or the access log, never console.
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests parse JSON printed by real clients (aws, rclone, s3cmd, boto3): `any` is the honest type.
    files: ['**/test/**/*.ts', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests report measured figures; examples are programs whose output is the point.
    files: ['**/test/**/*.ts', '**/*.test.ts', 'examples/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.cjs', '**/jest.config.js', '**/bin/*.js', '**/test/fixtures/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
