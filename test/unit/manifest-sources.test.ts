// validate's -f as kubectl's (issue 18): directories (their .json/.yaml/.yml files; -R for
// subdirectories), comma-separated lists, URLs refused with what to do instead, and YAML errors that
// name the line and column.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readManifestSources } from '../../src/checks/manifest-input.js';
import { UsageError } from '../../src/errors.js';

const pod = (name: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec: {containers: []}\n`;

describe('validate -f sources', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-sources-'));
  writeFileSync(path.join(dir, 'b.yaml'), pod('b'));
  writeFileSync(
    path.join(dir, 'a.json'),
    JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } }),
  );
  writeFileSync(path.join(dir, 'notes.txt'), 'not a manifest: [');
  mkdirSync(path.join(dir, 'sub', 'deeper'), { recursive: true });
  writeFileSync(path.join(dir, 'sub', 'c.yml'), pod('c'));
  writeFileSync(path.join(dir, 'sub', 'deeper', 'd.yaml'), pod('d'));
  const names = (objects: { metadata?: { name?: string } }[]) => objects.map((o) => o.metadata?.name);

  it('read a directory’s manifest files in name order, skipping other files and subdirectories', async () => {
    assert.deepEqual(names(await readManifestSources([dir])), ['a', 'b']);
  });

  it('walk subdirectories with -R', async () => {
    assert.deepEqual(names(await readManifestSources([dir], { recursive: true })), ['a', 'b', 'c', 'd']);
  });

  it('split comma-separated lists and read every repeated -f', async () => {
    const sub = path.join(dir, 'sub');
    const objects = await readManifestSources([
      `${path.join(dir, 'b.yaml')},${path.join(sub, 'c.yml')}`,
      sub,
    ]);
    assert.deepEqual(names(objects), ['b', 'c', 'c']);
  });

  it('refuse URLs with a way to check them', async () => {
    await assert.rejects(
      readManifestSources(['https://example.invalid/deploy.yaml']),
      (error: Error) =>
        error instanceof UsageError &&
        /reads files and standard input only; fetch it first, e.g. curl -fsSL https:\/\/example.invalid\/deploy.yaml \| vkctl validate -f -/.test(
          error.message,
        ),
    );
  });

  it('name a missing file in one line', async () => {
    await assert.rejects(
      readManifestSources([path.join(dir, 'gone.yaml')]),
      /cannot read .*gone\.yaml: ENOENT \(no such file or directory\)/,
    );
  });

  it('refuse a directory with no manifests: nothing was checked', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'vkctl-empty-'));
    await assert.rejects(readManifestSources([empty]), /no Kubernetes objects in /);
  });

  it('give the line and column of a YAML error, with no dangling colon', async () => {
    const broken = path.join(dir, 'sub', 'broken.txt');
    writeFileSync(broken, 'kind: Pod\nmetadata:\n  name: x\n   labels: {a: b}\n');
    await assert.rejects(readManifestSources([broken]), (error: Error) => {
      assert.match(error.message, /broken\.txt: not valid YAML at line 3, column 9: Nested mappings/);
      assert.doesNotMatch(error.message, /:\s*$/);
      return true;
    });
  });
});
