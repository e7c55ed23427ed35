// The layering rules of eslint.config.js fail on what they forbid: an upward import (static or
// dynamic), an import into the bottom layer's files, and a vkctl flag spelled below the commands.
// Each case lints a real file of the tree with one line added, as `npm run lint` would see it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function ruleIdsWith(file: string, added: string): Promise<string[]> {
  const text = `${readFileSync(path.join(root, file), 'utf8')}\n${added}\n`;
  const [result] = await eslint.lintText(text, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('layering lint rule (eslint.config.js)', function () {
  this.timeout(120_000);

  it('passes a file of the tree as it is', async () => {
    assert.deepEqual(await ruleIdsWith('src/provider/node.ts', ''), []);
  });

  it('fails the runtime importing the lifecycle', async () => {
    const messages = await ruleIdsWith(
      'src/provider/node.ts',
      "export { install } from '../addon/install.js';",
    );
    assert.ok(
      messages.some((m) => m.startsWith('no-restricted-imports: ') && m.includes('layering')),
      messages.join('\n'),
    );
  });

  it('fails the lifecycle importing the checks through import()', async () => {
    const messages = await ruleIdsWith(
      'src/addon/status.ts',
      "export const late = () => import('../checks/doctor.js');",
    );
    assert.ok(
      messages.some((m) => m.startsWith('no-restricted-syntax: layering')),
      messages.join('\n'),
    );
  });

  it('fails errors.ts importing anything of vkctl, statically or through import()', async () => {
    const messages = await ruleIdsWith('src/errors.ts', "export { install } from './addon/install.js';");
    assert.ok(
      messages.some((m) => m.startsWith('no-restricted-imports: ')),
      messages.join('\n'),
    );
    const late = await ruleIdsWith(
      'src/errors.ts',
      "export const late = () => import('./addon/install.js');",
    );
    assert.ok(
      late.some((m) => m.startsWith('no-restricted-syntax: layering')),
      late.join('\n'),
    );
  });

  it('fails the bottom layer importing upward through import(), and any computed import()', async () => {
    const shared = await ruleIdsWith(
      'src/shared/names.ts',
      "export const late = () => import('../addon/install.js');",
    );
    assert.ok(
      shared.some((m) => m.startsWith('no-restricted-syntax: layering')),
      shared.join('\n'),
    );
    const allowed = await ruleIdsWith(
      'src/shared/names.ts',
      "export const late = () => import('../errors.js');",
    );
    assert.deepEqual(allowed, []);
    const computed = await ruleIdsWith(
      'src/provider/node.ts',
      "const part = 'addon';\nexport const late = () => import(`../${part}/install.js`);",
    );
    assert.ok(
      computed.some((m) => m.includes('computed path')),
      computed.join('\n'),
    );
  });

  it('keeps the layering on where the flag rule is switched off', async () => {
    const messages = await ruleIdsWith(
      'src/provider/node.ts',
      "// eslint-disable-next-line vkctl/no-flag-spelling -- a command line vkctl runs\nexport const late = () => ['--x', import('../addon/install.js')];",
    );
    assert.ok(
      messages.some((m) => m.startsWith('no-restricted-syntax: layering')),
      messages.join('\n'),
    );
    assert.ok(!messages.some((m) => m.startsWith('vkctl/no-flag-spelling')), messages.join('\n'));
  });

  it('fails a flag spelled in an error below the commands, and lets a check hint name a command line', async () => {
    const flag = await ruleIdsWith(
      'src/addon/upgrade.ts',
      "export const refusal = new Error('pass --force to downgrade');",
    );
    assert.ok(
      flag.some((m) => m.startsWith('vkctl/no-flag-spelling: a flag spelled')),
      flag.join('\n'),
    );
    const hint = await ruleIdsWith(
      'src/checks/health.ts',
      "export const extra = { hint: 'run vkctl upgrade --interconnect' };",
    );
    assert.deepEqual(hint, []);
  });
});
