// Released add-on versions and the Kubernetes versions each supports. The add-on version is the
// package version. CCE clusters v1.28 and newer are targeted (CCE's add-on 1.5.x line supports
// v1.21-v1.31 per Huawei's notes; vkctl starts where the test control plane is proven).
import { readFileSync } from 'node:fs';
import semver from 'semver';

export interface CatalogEntry {
  version: string;
  /** A semver range over Kubernetes versions (without the CCE "-r0" suffix). */
  kubernetes: string;
}

/** Oldest first; a new version is added when it is cut (docs/releasing.md), and none is removed. */
export const CATALOG: readonly CatalogEntry[] = [
  { version: '0.1.0', kubernetes: '>=1.28.0 <1.35.0' },
  // 0.2.0's runtime is a node, whose confinement rests on NodeRestriction; from 1.31 that also
  // holds a node to CSRs in its own name (feature AllowInsecureKubeletCertificateSigningRequests
  // off by default), so a stolen node credential cannot even ask for another node's certificate.
  { version: '0.2.0', kubernetes: '>=1.31.0 <1.35.0' },
];

export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function catalogEntry(version: string): CatalogEntry | undefined {
  return CATALOG.find((entry) => entry.version === version);
}

/** "v1.33.13", "v1.33.13-r0", "1.33" -> a comparable semver, or undefined. */
export function kubernetesSemver(version: string): string | undefined {
  return semver.coerce(version)?.version;
}

export function supportsKubernetes(entry: CatalogEntry, version: string): boolean {
  const v = kubernetesSemver(version);
  return v !== undefined && semver.satisfies(v, entry.kubernetes);
}

/** The versions this CLI can install or upgrade to (its own and the older ones), newest first. */
export function installableVersions(): CatalogEntry[] {
  const own = cliVersion();
  return CATALOG.filter((entry) => semver.lte(entry.version, own)).reverse();
}
