// The packaged entry point (bin/run.js over dist/) answers --help and --version, and refuses an
// unknown command with a one-line error and a non-zero exit; and what a kubectl user expects of it:
// did-you-mean, shell completion, version --client, -o json|yaml, colour rules, help as wide as the
// terminal, examples everywhere. `npm test` builds dist/ first.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { colorEnabled } from '../../src/color.js';
import { parseErrorLine } from '../../src/errors.js';
import { dataText } from '../../src/output.js';
import { editDistance, nearest } from '../../src/suggest.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function vkctl(...args: string[]) {
  return vkctlWith({}, ...args);
}

function vkctlWith(env: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/run.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('vkctl entry point', () => {
  it('prints usage with --help and exits 0', () => {
    const { code, stdout } = vkctl('--help');
    assert.equal(code, 0);
    assert.match(stdout, /USAGE\n\s+\$ vkctl \[COMMAND\]/);
  });

  it('prints the root help from the build exactly as oclif renders it, on this machine’s node', () => {
    const cached = vkctl('-h');
    const rendered = vkctlWith({ VKCTL_NO_HELP_CACHE: '1', COLUMNS: '80' }, '-h');
    assert.equal(cached.code, 0);
    assert.equal(cached.stdout, rendered.stdout);
    assert.ok(cached.stdout.includes(`node-${process.version}`));
  });

  it('prints the package version with --version and -v', () => {
    for (const flag of ['--version', '-v']) {
      const { code, stdout } = vkctl(flag);
      assert.equal(code, 0);
      assert.match(stdout, new RegExp(`^vkctl/${pkg.version.replaceAll('.', '\\.')} `));
    }
  });

  it('refuses an unknown command with one line on stderr and exit 2', () => {
    const { code, stdout, stderr } = vkctl('no-such-command');
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /command no-such-command not found/);
  });
});

/** The environment without any colour setting of the caller's. */
function plainEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'TERM']) if (!(name in extra)) delete env[name];
  return env;
}

/** vkctl with exactly this colour environment (none of the caller's). */
function vkctlColored(extra: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/run.js', ...args], {
    encoding: 'utf8',
    env: plainEnv(extra),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** vkctl on a pseudo-terminal (util-linux's script), as a person at a terminal runs it. */
function vkctlOnTerminal(extra: Record<string, string>, ...args: string[]) {
  const command = [process.execPath, 'bin/run.js', ...args].join(' ');
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    encoding: 'utf8',
    env: plainEnv(extra),
  });
  return { code: result.status, stdout: result.stdout };
}

const ESC = '\u001b[';
const VALIDATE = ['validate', '-f', 'test/fixtures/validate/burstable.yaml'];

describe('vkctl as kubectl users expect it', function () {
  // Each case starts the CLI several times (about 0.3 s each, much more on a busy machine).
  this.timeout(90_000);

  it('suggests the nearest command for a mistyped one, in one line, exit 2', () => {
    for (const [typed, meant] of [
      [['stauts'], 'status'],
      [['provider', 'rnu'], 'provider run'],
      [['uninstal'], 'uninstall'],
    ] as const) {
      const { code, stdout, stderr } = vkctl(...typed);
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.equal(
        stderr,
        `Error: command ${typed.join(' ')} not found; did you mean ${meant}? (see vkctl --help)\n`,
      );
    }
    assert.equal(vkctl('xyzzy').stderr, 'Error: command xyzzy not found (see vkctl --help)\n');
  });

  it('suggests the nearest flag for a mistyped one, and names a missing required flag, exit 2', () => {
    const typo = vkctl('version', '--clinet');
    assert.equal(typo.code, 2);
    assert.equal(
      typo.stderr,
      'Error: Nonexistent flag: --clinet; did you mean --client? (see vkctl version --help)\n',
    );
    assert.match(vkctl('status', '--jsn').stderr, /; did you mean --json\?/);
    assert.match(vkctl('status', '--no-colr').stderr, /; did you mean --no-color\?/);
    const missing = vkctl('burst', 'deployment/web');
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'Error: Missing required flag --policy (see vkctl burst --help)\n');
  });

  it('prints a bash completion script that loads and completes commands, subcommands and flag values', () => {
    const complete = (...words: string[]) =>
      `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; ` +
      '__vkctl_complete; echo "${COMPREPLY[*]}"';
    const script = [
      `source <('${process.execPath}' bin/run.js completion bash)`,
      'complete -p vkctl',
      complete('vkctl', 'sta'),
      complete('vkctl', 'proxy', 'st'),
      complete('vkctl', 'status', '-o', ''),
      complete('vkctl', 'version', '--cl'),
    ].join('\n');
    const result = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n'), [
      'complete -o default -F __vkctl_complete vkctl',
      'status',
      'stop',
      'json yaml',
      '--client',
    ]);
    assert.match(vkctl('completion', 'zsh').stdout, /^#compdef vkctl\n/);
    assert.match(vkctl('completion', 'fish').stdout, /^complete -c vkctl -f -a '\(__vkctl_complete\)'$/m);
    assert.equal(vkctl('completion', 'tcsh').code, 2);
  });

  it('prints its own version without the cluster with version --client, as text, JSON or YAML', () => {
    const text = vkctl('version', '--client', '--kubeconfig', '/no/such/kubeconfig');
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, `Client Version: ${pkg.version}\n`);
    const client = {
      version: pkg.version,
      platform: `${process.platform}-${process.arch}`,
      nodejs: process.version,
    };
    assert.deepEqual(JSON.parse(vkctl('version', '--client', '-o', 'json').stdout), {
      clientVersion: client,
    });
    assert.deepEqual(JSON.parse(vkctl('version', '--client', '--json').stdout), { clientVersion: client });
    assert.deepEqual(parseYaml(vkctl('version', '--client', '-o', 'yaml').stdout), { clientVersion: client });
    const both = vkctl('version', '--client', '--json', '-o', 'yaml');
    assert.equal(both.code, 2);
  });

  it('colours on a terminal, not with TERM=dumb, NO_COLOR or --no-color; FORCE_COLOR colours a pipe', () => {
    assert.ok(vkctlOnTerminal({}, ...VALIDATE).stdout.includes(ESC), 'coloured on a terminal');
    assert.ok(!vkctlOnTerminal({ TERM: 'dumb' }, ...VALIDATE).stdout.includes(ESC), 'TERM=dumb');
    assert.ok(!vkctlOnTerminal({ NO_COLOR: '1' }, ...VALIDATE).stdout.includes(ESC), 'NO_COLOR');
    assert.ok(!vkctlOnTerminal({}, ...VALIDATE, '--no-color').stdout.includes(ESC), '--no-color');
    assert.ok(!vkctlColored({}, ...VALIDATE).stdout.includes(ESC), 'a pipe');
    const forced = vkctlColored({ FORCE_COLOR: '1' }, ...VALIDATE);
    assert.ok(forced.stdout.includes(`${ESC}32m✔`), forced.stdout);
    assert.ok(!vkctlColored({ FORCE_COLOR: '0' }, ...VALIDATE).stdout.includes(ESC), 'FORCE_COLOR=0');
    assert.ok(!vkctlColored({ FORCE_COLOR: '1' }, ...VALIDATE, '--no-color').stdout.includes(ESC));
    assert.ok(vkctlOnTerminal({ TERM: 'dumb' }, ...VALIDATE, '--color').stdout.includes(ESC), '--color');
  });

  it('wraps help to the terminal’s width, the root help included', () => {
    const wide = vkctlWith({ OCLIF_COLUMNS: '200' }, 'upgrade', '--help');
    assert.match(wide.stdout, /When that fails or times out it rolls back to the revision it replaced/);
    // oclif wraps the description to the width (not the summary line or an example's command line).
    const narrow = vkctlWith({ OCLIF_COLUMNS: '60' }, 'upgrade', '--help').stdout;
    const description = narrow.slice(narrow.indexOf('DESCRIPTION'), narrow.indexOf('EXAMPLES')).split('\n');
    assert.ok(
      description.length > 8 && description.every((line) => line.length <= 60),
      description.join('\n'),
    );
    const root = vkctlWith({ OCLIF_COLUMNS: '200' }, '--help');
    assert.notEqual(root.stdout, vkctl('--help').stdout);
    assert.equal(root.stdout, vkctlWith({ OCLIF_COLUMNS: '200', VKCTL_NO_HELP_CACHE: '1' }, '--help').stdout);
  });

  it('gives every command examples and every data-printing command -o json|yaml (the manifest)', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../../oclif.manifest.json', import.meta.url), 'utf8'),
    ) as {
      commands: Record<string, { examples?: unknown[]; flags: Record<string, { options?: string[] }> }>;
    };
    const ids = Object.keys(manifest.commands);
    assert.ok(ids.length >= 17, ids.join(' '));
    assert.deepEqual(
      ids.filter((id) => !manifest.commands[id]?.examples?.length),
      [],
      'commands without examples',
    );
    for (const id of ids.filter((id) => 'json' in (manifest.commands[id]?.flags ?? {})))
      assert.deepEqual(manifest.commands[id]?.flags.output?.options, ['json', 'yaml'], id);
    for (const id of [
      'status',
      'history',
      'diff',
      'install',
      'upgrade',
      'uninstall',
      'rollback',
      'doctor',
      'version',
    ])
      assert.ok(manifest.commands[id]?.flags.output, `${id} has -o`);
  });
});

describe('the CLI’s deciding functions', () => {
  it('colorEnabled: the flag, then FORCE_COLOR, NO_COLOR, TERM=dumb, then whether it is a terminal', () => {
    const cases: [Parameters<typeof colorEnabled>[0], boolean][] = [
      [{ env: {}, isTTY: true }, true],
      [{ env: {}, isTTY: false }, false],
      [{ env: { TERM: 'dumb' }, isTTY: true }, false],
      [{ env: { NO_COLOR: '1' }, isTTY: true }, false],
      [{ env: { NO_COLOR: '' }, isTTY: true }, true],
      [{ env: { FORCE_COLOR: '1' }, isTTY: false }, true],
      [{ env: { FORCE_COLOR: '' }, isTTY: false }, true],
      [{ env: { FORCE_COLOR: '0' }, isTTY: true }, false],
      [{ env: { FORCE_COLOR: 'false' }, isTTY: true }, false],
      [{ env: { FORCE_COLOR: '1', NO_COLOR: '1', TERM: 'dumb' }, isTTY: false }, true],
      [{ flag: false, env: { FORCE_COLOR: '1' }, isTTY: true }, false],
      [{ flag: true, env: { NO_COLOR: '1', TERM: 'dumb' }, isTTY: false }, true],
    ];
    for (const [inputs, expected] of cases)
      assert.equal(colorEnabled(inputs), expected, JSON.stringify(inputs));
  });

  it('nearest: within two edits (a swap is one), or the one name a prefix begins', () => {
    const commands = ['status', 'history', 'install', 'uninstall', 'upgrade', 'provider:run', 'proxy'];
    assert.equal(nearest('stauts', commands), 'status');
    assert.equal(nearest('instal', commands), 'install');
    assert.equal(nearest('upgarde', commands), 'upgrade');
    assert.equal(nearest('provider:rnu', commands), 'provider:run');
    assert.equal(nearest('hist', commands), 'history');
    assert.equal(nearest('xyzzy', commands), undefined);
    assert.equal(editDistance('stauts', 'status'), 1);
    assert.equal(editDistance('', 'abc'), 3);
  });

  it('parseErrorLine: oclif’s point in one line, without "See more help"', () => {
    assert.equal(
      parseErrorLine(
        'The following error occurred:\n  \u001b[2mMissing required flag policy\u001b[22m\nSee more help with --help',
      ),
      'Missing required flag --policy',
    );
    assert.equal(
      parseErrorLine('Nonexistent flag: --jsn\nSee more help with --help'),
      'Nonexistent flag: --jsn',
    );
    assert.equal(
      parseErrorLine(
        'Missing 1 required arg:\nshell  the shell\n\nNote: --x allows multiple values.\nSee more help with --help',
      ),
      'Missing 1 required arg: shell the shell',
    );
  });

  it('dataText: YAML holds what the JSON does', () => {
    const value = { a: 1, b: undefined, c: [{ d: 'x' }], when: new Date(0) };
    assert.deepEqual(parseYaml(dataText(value, 'yaml')), JSON.parse(dataText(value, 'json')));
  });
});
