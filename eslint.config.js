// Lint runs inside `npm test`. Type-aware rules catch floating promises, which in a
// queue/worker service silently lose errors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// CJK ideographs and full-width punctuation, as an esquery regex.
const CJK = '/[\\u3000-\\u303f\\u3400-\\u9fff\\uff00-\\uffef]/';
export default tseslint.config(
  { ignores: ['dist/', 'data/', 'node_modules/', 'migrations/', 'web-dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  // Every word a user sees comes from the catalogs (src/core/i18n): a Chinese string in src/ or
  // cards/ is user-facing text built inline. Regex literals (the words people type) are not strings.
  {
    files: ['src/**/*.ts', 'cards/**/*.ts'],
    ignores: [
      'src/core/i18n/**',
      // Input vocabulary: what people type, matched and read (not shown).
      'src/core/parse/**',
      'src/bot/dialog/words.ts',
      // Holiday and solar-term names: data matched against published tables and tyme4ts.
      'src/core/calendar/holiday-words.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: `Literal[value=${CJK}]`, message: 'User-facing text belongs in the message catalogs (src/core/i18n); use t(locale, key).' },
        { selector: `TemplateElement[value.raw=${CJK}]`, message: 'User-facing text belongs in the message catalogs (src/core/i18n); use t(locale, key).' },
      ],
    },
  },
  { files: ['bench/**', 'test/**', 'src/main.ts', 'src/store/migrate-cli.ts'], rules: { 'no-console': 'off' } },
  // Every query lives in src/store/: elsewhere, no drizzle, no driver, no table (not even a row
  // type — take the repositories' domain types). Type-only imports are refused too.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/store/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'postgres', message: 'Database access belongs in src/store/.' }],
        patterns: [
          { group: ['drizzle-orm', 'drizzle-orm/*'], message: 'Queries belong in src/store/ repositories.' },
          { group: ['**/store/schema*'], message: 'Tables stay in src/store/; use a repository and its domain types.' },
        ],
      }],
    },
  },
);
