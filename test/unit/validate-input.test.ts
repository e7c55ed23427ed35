// validate's input (issue 17, item 8): too large, an alias bomb or nothing at all is unreadable
// input, exit 2 with one line, found before the parser can eat the machine's memory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_MANIFEST_BYTES } from '../../src/checks/manifest-input.js';

function validate(file: string) {
  const result = spawnSync(process.execPath, ['bin/run.js', 'validate', '-f', file], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: result.status, stderr: result.stderr };
}

describe('validate’s input', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-validate-'));
  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  };

  it('refuses a file over the cap at once', () => {
    const big = write('big.yaml', `# ${'x'.repeat(MAX_MANIFEST_BYTES)}\n`);
    const { code, stderr } = validate(big);
    assert.equal(code, 2);
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /is larger than 8 MiB/);
  });

  it('refuses an alias bomb as unreadable YAML', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const { code, stderr } = validate(write('bomb.yaml', `${lines.join('\n')}\n`));
    assert.equal(code, 2);
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /not valid YAML/);
  });

  it('refuses an empty file: nothing was checked', () => {
    const { code, stderr } = validate(write('empty.yaml', ''));
    assert.equal(code, 2);
    assert.match(stderr, /no Kubernetes objects in .*empty\.yaml/);
  });
});
