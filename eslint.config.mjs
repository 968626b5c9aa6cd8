// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs', '.tools/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      // Libraries and apps are reached through their public face (@herald/<lib>, @apps/<app>),
      // never by a deep path.
      'no-restricted-imports': [
        'error',
        { patterns: ['**/libs/*/src/*', '@herald/*/src/*', '**/apps/*/src/*', '@apps/*/*'] },
      ],
    },
  },
);
