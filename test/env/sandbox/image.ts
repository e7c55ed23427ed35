// The runtime image (npm run image, scripts/image/) for the sandbox and the tests: built or reused,
// unpacked into a root filesystem, and its entrypoint run from that root as a container would run
// it: chroot into the root, as the image's user (65532), with the image's env, /proc mounted in a
// mount namespace of its own (gone with the process), and the few device nodes a container has.
// The network is the host's, so loopback reaches the test control plane and the emulator.
// Needs root (chroot, unshare, mknod, umoci unpack); each step says so when it cannot.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// Asynchronous throughout: the tests' emulator and fake kubelets answer from the same process.
const run = promisify(execFile);

const repo = fileURLToPath(new URL('../../../', import.meta.url));

export interface BuiltImage {
  version: string;
  archive: string;
  sbom: string;
  /** `vkctl/vkctl:<version>`, the reference inside the archive. */
  reference: string;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  config: {
    User?: string;
    Entrypoint?: string[];
    Cmd?: string[];
    Env?: string[];
    WorkingDir?: string;
    Labels?: Record<string, string>;
  };
}

/** Builds the image with `npm run image`, or reuses the archive when nothing changed. */
export async function buildImage(): Promise<BuiltImage> {
  const version = (JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string })
    .version;
  await run('npm', ['run', '--silent', 'image'], { cwd: repo, timeout: 600_000, maxBuffer: 16 << 20 }).catch(
    (error: Error & { code?: number | string; stdout?: string; stderr?: string }) => {
      const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trimEnd().split('\n').slice(-15).join('\n');
      throw new Error(
        `the runtime image could not be built (npm run image, exit ${error.code}); it needs Debian's ` +
          `apt-get, umoci and skopeo, and root to install them:\n${output || error.message}`,
      );
    },
  );
  return {
    version,
    archive: path.join(repo, 'build/image', `vkctl-${version}.oci.tar`),
    sbom: path.join(repo, 'build/image', `vkctl-${version}.sbom.cdx.json`),
    reference: `vkctl/vkctl:${version}`,
  };
}

export async function skopeoInspect(archive: string, config = false): Promise<unknown> {
  const args = ['inspect', ...(config ? ['--config'] : []), `oci-archive:${archive}`];
  return JSON.parse((await run('skopeo', args)).stdout);
}

export async function imageConfig(image: BuiltImage): Promise<ImageConfig> {
  return (await skopeoInspect(image.archive, true)) as ImageConfig;
}

/**
 * Unpacks the archive into DIR (an OCI layout copy, then umoci's bundle) and returns the root
 * filesystem, with what a container runtime adds: /proc and /dev/{null,zero,full,random,urandom}.
 */
export async function unpackImage(image: BuiltImage, dir: string): Promise<string> {
  if (process.getuid?.() !== 0)
    throw new Error('running the runtime image needs root here (umoci unpack, chroot, unshare)');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const layout = path.join(dir, 'oci');
  const bundle = path.join(dir, 'bundle');
  await run('skopeo', [
    'copy',
    '--quiet',
    `oci-archive:${image.archive}:${image.reference}`,
    `oci:${layout}:${image.version}`,
  ]);
  await run('umoci', ['unpack', '--image', `${layout}:${image.version}`, bundle]);
  rmSync(layout, { recursive: true, force: true });
  const rootfs = path.join(bundle, 'rootfs');
  mkdirSync(path.join(rootfs, 'proc'), { recursive: true });
  mkdirSync(path.join(rootfs, 'dev'), { recursive: true });
  for (const [name, minor] of [
    ['null', 3],
    ['zero', 5],
    ['full', 7],
    ['random', 8],
    ['urandom', 9],
  ] as const) {
    const node = path.join(rootfs, 'dev', name);
    if (!existsSync(node)) await run('mknod', ['-m', '666', node, 'c', '1', String(minor)]);
  }
  return rootfs;
}

/** A program of this machine by absolute path: the command line runs with the image's PATH. */
function hostProgram(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  const found = dirs.map((d) => path.join(d, name)).find((p) => p.startsWith('/') && existsSync(p));
  if (!found) throw new Error(`${name} is not installed on this machine (util-linux, coreutils)`);
  return found;
}

export interface ImageCommand {
  command: string;
  args: string[];
}

/**
 * The command line that runs ARGS with the image's entrypoint (or COMMAND, as a container's
 * `command` replaces it) inside ROOTFS as USER, with exactly ENV (nothing of this process's own):
 * `env -i ... unshare --mount-proc=ROOTFS/proc chroot --userspec=U:G ROOTFS ENTRYPOINT... ARGS...`.
 * unshare and chroot exec what follows, so the pid of the spawned process is the runtime's own.
 */
export function imageCommand(
  config: ImageConfig,
  rootfs: string,
  args: string[],
  options: {
    env?: Record<string, string>;
    command?: string[];
    user?: string;
    /** Directories of this machine bind-mounted at paths inside ROOTFS (a pod's shared emptyDir). */
    binds?: { source: string; target: string; readOnly?: boolean }[];
  } = {},
): ImageCommand {
  const user = options.user ?? config.config.User ?? '0:0';
  const userspec = user.includes(':') ? user : `${user}:${user}`;
  const imageEnv = Object.fromEntries(
    (config.config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );
  // HOME as a container runtime sets it for a user of the image's /etc/passwd.
  const home = userspec.startsWith('65532:') ? '/home/nonroot' : userspec.startsWith('0:') ? '/root' : '/';
  const env = { HOME: home, ...imageEnv, ...options.env };
  const entrypoint = options.command ?? config.config.Entrypoint ?? [];
  // The binds are made inside the new mount namespace (unshare's is private), so they go with the
  // process; sh then execs chroot, which keeps the pid the program's.
  const binds = options.binds ?? [];
  const mount = binds.length > 0 ? hostProgram('mount') : '';
  const bindScript =
    'm=$1; shift; while [ "$1" != -- ]; do "$m" --bind "$1" "$2" || exit 1; ' +
    'if [ "$3" = ro ]; then "$m" -o remount,bind,ro "$2" || exit 1; fi; shift 3; done; shift; exec "$@"';
  const withBinds =
    binds.length > 0
      ? [
          hostProgram('sh'),
          '-c',
          bindScript,
          'sh',
          mount,
          ...binds.flatMap((b) => [b.source, path.join(rootfs, b.target), b.readOnly ? 'ro' : 'rw']),
          '--',
        ]
      : [];
  return {
    command: hostProgram('env'),
    args: [
      '-i',
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      hostProgram('unshare'),
      `--mount-proc=${path.join(rootfs, 'proc')}`,
      ...withBinds,
      hostProgram('chroot'),
      `--userspec=${userspec}`,
      rootfs,
      ...entrypoint,
      ...args,
    ],
  };
}
