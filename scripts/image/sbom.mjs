// The image's software bill of materials (CycloneDX 1.5 JSON), written beside the archive:
//   node scripts/image/sbom.mjs ROOTFS MANIFEST_DIGEST OUTFILE
// npm's own SBOM of the production dependencies (`npm sbom --omit dev`: what the bundle is made
// of; esbuild leaves out modules nothing imports, so the list is, if anything, a little longer than
// the bundle), plus what the root filesystem holds besides: Node.js and each Debian package, read
// from ROOTFS/var/lib/dpkg/status.d (written by rootfs.sh from the .debs themselves).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [rootfs, digest, outFile] = process.argv.slice(2);
if (!rootfs || !digest || !outFile) {
  console.error('usage: node scripts/image/sbom.mjs ROOTFS MANIFEST_DIGEST OUTFILE');
  process.exit(2);
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const bom = JSON.parse(
  execFileSync('npm', ['sbom', '--omit', 'dev', '--sbom-format', 'cyclonedx', '--package-lock-only'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  }),
);

// Control fields of a status.d file ("Key: value" lines; continuation lines start with a space).
function controlFields(text) {
  const fields = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (match) fields[match[1]] = match[2];
  }
  return fields;
}

const statusDir = path.join(rootfs, 'var/lib/dpkg/status.d');
const debian = readdirSync(statusDir)
  .sort()
  .map((name) => controlFields(readFileSync(path.join(statusDir, name), 'utf8')))
  .map((f) => ({
    'bom-ref': `deb:${f.Package}@${f.Version}`,
    type: f.Package === 'ca-certificates' ? 'data' : 'library',
    name: f.Package,
    version: f.Version,
    supplier: { name: f.Maintainer ?? 'Debian' },
    purl: `pkg:deb/debian/${f.Package}@${encodeURIComponent(f.Version)}?arch=${f.Architecture}&distro=debian-12`,
    properties: f.Source ? [{ name: 'debian:source', value: f.Source.split(' ')[0] }] : [],
  }));

// Node.js is the binary that runs the build (rootfs.sh copies it). Which package it came from, if
// any (NodeSource's on this project's machines), is recorded; it is not Debian's nodejs.
let nodeOrigin = 'the build machine’s node binary';
try {
  const owner = execFileSync('dpkg-query', ['-S', process.execPath], { encoding: 'utf8' }).split(':')[0];
  const info = execFileSync('dpkg-query', ['-W', '-f', '${Package} ${Version} (${Maintainer})', owner], {
    encoding: 'utf8',
  });
  nodeOrigin = `deb ${info}`;
} catch {
  // Not from a package (the node:20 image's tarball build): the version says what it is.
}
const node = {
  'bom-ref': `node@${process.versions.node}`,
  type: 'application',
  name: 'node',
  version: process.versions.node,
  purl: `pkg:generic/node@${process.versions.node}`,
  licenses: [{ license: { id: 'MIT' } }],
  properties: [{ name: 'vkctl:origin', value: nodeOrigin }],
};

// The document describes the image; npm's root component (the package) becomes one of its parts.
const app = bom.metadata.component;
app.name = pkg.name;
app.type = 'application';
const image = {
  'bom-ref': `image:${pkg.name}@${digest}`,
  type: 'container',
  name: `${pkg.name}/${pkg.name}`,
  version: pkg.version,
  purl: `pkg:oci/${pkg.name}@${encodeURIComponent(digest)}?tag=${pkg.version}`,
  licenses: app.licenses,
};
bom.metadata.component = image;
bom.components = [app, node, ...debian, ...bom.components];
bom.dependencies = [
  { ref: image['bom-ref'], dependsOn: [app['bom-ref'], node['bom-ref'], ...debian.map((d) => d['bom-ref'])] },
  ...(bom.dependencies ?? []),
];
writeFileSync(outFile, `${JSON.stringify(bom, null, 2)}\n`);
console.log(
  `sbom: ${path.relative(process.cwd(), outFile)}: ${bom.components.length} components ` +
    `(${debian.length} Debian packages, node ${process.versions.node})`,
);
