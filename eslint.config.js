import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // scratch/: the bench scripts' builds (bench/pcap-bench.ts builds into scratch/pcap-bench-build), gitignored
  { ignores: ['dist/**', 'node_modules/**', 'bench/node_modules/**', 'test/fixtures/**', 'scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
);
