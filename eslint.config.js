// Type-aware lint: the rules docs/CONVENTIONS.md states (no floating promises, complexity caps).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import posture from './eslint/layers.js';

export default tseslint.config(
  {
    ignores: [
      'eslint.config.js',
      'eslint/**',
      'tmp/**',
      '.posture/**',
      'node_modules/**',
      'dist*/**',
      'gitops/**',
      'charts/**',
      'src/imports/**',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      complexity: ['error', 10],
      'max-depth': ['error', 3],
      'max-params': ['error', 4],
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // Layers hold for the product code; tests and test helpers may reach across them.
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing/**', '**/testdata/**'],
    plugins: { posture },
    rules: { 'posture/layers': 'error' },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // node:test's describe/it return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': 'off',
      'max-lines': 'off',
    },
  },
);
