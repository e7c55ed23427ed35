// Flat config: typescript-eslint's recommended rules with type information for TypeScript; plain
// recommended rules with Node's globals for the few JavaScript files (bin/, test/support/).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The layers of src/, top to bottom (README "Architecture"): commands (src/commands, the root
// command-*.ts and CLI helpers) → addon and checks (checks may read the add-on's parts; the
// lifecycle never imports the checks) → provider → cloud and kube → shared (the vocabulary: names,
// version and catalog, the config contract, CCI's rules), with errors.ts and duration.ts beside it.
// A part imports only downward; each entry lists what a part may not import. Matched on the import
// path, so a layer's folder name must not be used for anything else.
const CLI = [
  '**/commands/**',
  '**/command-*',
  '**/color.js',
  '**/output.js',
  '**/suggest.js',
  '**/completion.js',
  '**/image-entry.js',
  '**/hooks/**',
];
// import('...') is held to the same layers: each forbidden pattern as a regular expression on the
// import's string ('**/checks/**' -> /checks\//; '../**' but not '../errors.js' -> /^\.\.\/(?!errors\.js$)/).
const escape = (text) => text.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*').replace(/\//g, '\\u002F');
const dynamicImports = (forbidden, why) => {
  const allowed = forbidden.filter((p) => p.startsWith('!')).map((p) => escape(p.slice(1)));
  const message = `layering (eslint.config.js): ${why}`;
  return forbidden
    .filter((p) => !p.startsWith('!'))
    .map((pattern) => {
      const relative = pattern.startsWith('.');
      const body = relative
        ? `^${escape(pattern.replace(/\*\*$/, ''))}${allowed.length ? `(?!(${allowed.map((a) => a.replace(/^(\\\.)+\\u002F/, '')).join('|')})$)` : ''}`
        : escape(pattern.replace(/^\*\*\//, '').replace(/\/\*\*$/, '/'));
      return { selector: `ImportExpression[source.value=/${body}/]`, message };
    })
    .concat({
      // A computed import() cannot be checked against the layers at all.
      selector: 'ImportExpression:not([source.type="Literal"])',
      message: `layering (eslint.config.js): import() of a computed path below the commands`,
    });
};

// Below the commands, no string spells a vkctl flag: errors there carry OptionAdvice (src/errors.ts)
// and the command layer spells the flags the running command has (src/command-errors.ts). Its own
// rule (not no-restricted-syntax), so that disabling it for a command line vkctl runs itself does not
// also switch the layering off. Check hints, which give a whole command line to run, are exempt.
const FLAG = /(^|[\s(`"'])--[a-z]/;
const vkctlRules = {
  rules: {
    'no-flag-spelling': {
      meta: { type: 'problem', schema: [] },
      create(context) {
        const inHint = (node) =>
          context.sourceCode
            .getAncestors(node)
            .some((a) => a.type === 'Property' && a.key?.type === 'Identifier' && a.key.name === 'hint');
        const check = (node, text) => {
          if (typeof text === 'string' && FLAG.test(text) && !inHint(node))
            context.report({
              node,
              message: 'a flag spelled below the command layer: give the error OptionAdvice (src/errors.ts)',
            });
        };
        return {
          Literal: (node) => check(node, node.value),
          TemplateElement: (node) => check(node, node.value.raw),
        };
      },
    },
  },
};
const layer = (files, forbidden, why) => ({
  files,
  plugins: { vkctl: vkctlRules },
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: [{ group: forbidden, message: `layering (eslint.config.js): ${why}` }] },
    ],
    'no-restricted-syntax': ['error', ...dynamicImports(forbidden, why)],
    'vkctl/no-flag-spelling': 'error',
  },
});
const LAYERS = [
  layer(['src/checks/**/*.ts'], CLI, 'checks import nothing of the CLI'),
  layer(
    ['src/addon/**/*.ts'],
    [...CLI, '**/checks/**'],
    'the lifecycle takes preflight as a function; it never imports checks',
  ),
  layer(
    ['src/provider/**/*.ts'],
    [...CLI, '**/checks/**', '**/addon/**'],
    'the runtime knows nothing of the lifecycle: what both need is in src/shared',
  ),
  layer(
    ['src/cloud/**/*.ts'],
    [...CLI, '**/checks/**', '**/addon/**', '**/provider/**', '**/kube/**'],
    'cloud clients import only shared',
  ),
  layer(
    ['src/kube/**/*.ts'],
    [...CLI, '**/checks/**', '**/addon/**', '**/provider/**', '**/cloud/**'],
    'kube helpers import only shared',
  ),
  layer(
    ['src/shared/**/*.ts'],
    ['../**', '!../errors.js', '!../duration.js'],
    'the bottom layer imports nothing of vkctl but errors and duration',
  ),
  layer(
    ['src/errors.ts', 'src/duration.ts'],
    ['./**', '!./errors.js'],
    'errors and duration import nothing of vkctl',
  ),
];

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    files: ['**/*.{js,cjs,mjs}'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  ...LAYERS,
);
