// Every option an error below the command layer names (errors.ts OptionAdvice, and the option a
// duration or an address is parsed for) is a flag of some vkctl command: an option no command has
// would never be spelled, and the user would lose the hint. Read from the sources and from the
// commands' manifest the build writes (oclif.manifest.json).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { flagSpeller } from '../../src/command-errors.js';

const root = path.resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sources(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('option advice names real flags', () => {
  it('finds a command flag for every option named under src/', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { flags: Record<string, unknown> }>;
    };
    const flags = Object.values(manifest.commands).flatMap((c) => Object.keys(c.flags));
    const flagOf = flagSpeller(flags);
    const named = new Set<string>();
    const patterns = [
      /option: '([A-Za-z]+)'/g,
      /parseDuration\([^,()]+, '([A-Za-z]+)'\)/g,
      /hostPort\([^,()]+, '([A-Za-z]+)'\)/g,
    ];
    for (const file of sources(path.join(root, 'src')))
      for (const pattern of patterns)
        for (const match of readFileSync(file, 'utf8').matchAll(pattern)) named.add(match[1] ?? '');
    assert.ok(named.size >= 15, `options found: ${[...named].join(', ')}`);
    const unknown = [...named].filter((option) => !flagOf(option));
    assert.deepEqual(unknown, [], 'options no command has as a flag');
  });
});
