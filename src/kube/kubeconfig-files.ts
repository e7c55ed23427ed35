// Which kubeconfig files kubectl reads, and in what order: --kubeconfig alone when given; else each
// file of $KUBECONFIG (a path list, as kubectl: empty entries and repeats dropped, missing files
// skipped); else ~/.kube/config. Kept apart from client-node so the plain-GET path can use it too.
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface KubeconfigFiles {
  /** The files to merge, first wins; empty when none of the listed ones exists. */
  files: string[];
  /** Where the list came from, for an error that names it. */
  source: 'given' | 'KUBECONFIG' | 'home';
  /** The files that were listed but do not exist. */
  missing: string[];
}

export function kubeconfigFiles(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): KubeconfigFiles | undefined {
  if (flag) return { files: [flag], source: 'given', missing: [] };
  if (env.KUBECONFIG) {
    const listed = [...new Set(env.KUBECONFIG.split(path.delimiter).filter((f) => f))];
    return {
      files: listed.filter((f) => existsSync(f)),
      source: 'KUBECONFIG',
      missing: listed.filter((f) => !existsSync(f)),
    };
  }
  const home = env.HOME;
  if (!home) return undefined;
  const file = path.join(home, '.kube', 'config');
  return { files: existsSync(file) ? [file] : [], source: 'home', missing: [] };
}
