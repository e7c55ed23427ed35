// What profile.ts's profiles say, in numbers: the CPU profile's samples inside the burst's window by
// function (self time) and by source file (self time, and inclusive time: every sample whose stack
// passes through the file), and the heap snapshot's retained sizes (a dominator tree, weak edges
// left out, as DevTools computes them) by the largest holders and by object kind. The runtime runs
// as one esbuild bundle (bundle.ts), minified as the image's is, so each frame is placed by the
// bundle's source map (written beside it); code under node_modules is named by its package.
//   npx tsx bench/profile-summary.ts CPUPROFILE [HEAPSNAPSHOT]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { retainedSummary } from './heap-snapshot.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

type BundleLookup = (line: number, column: number) => string;

/** Where a package's file or a source file is, short: "src/provider/x.ts", "yaml: dist/x.js". */
function shortName(source: string): string {
  const modules = source.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = source.slice(modules + 13).split('/');
    const pkg = parts[0]?.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? source);
    return `${pkg}: ${parts.slice(pkg.split('/').length).join('/')}`;
  }
  const own = /(?:^|\/)((?:src|bench|test)\/.+\.ts)$/.exec(source);
  return own?.[1] ?? source;
}

/** Source file of a position in an esbuild bundle (0-based line and column), from its source map. */
function bundleFiles(file: string): BundleLookup {
  let map: TraceMap;
  try {
    map = new TraceMap(readFileSync(`${file}.map`, 'utf8'));
  } catch {
    return () => 'bundle'; // a bundle built without its map: its frames stay unplaced
  }
  return (line, column) => {
    const { source } = originalPositionFor(map, { line: line + 1, column: Math.max(column, 0) });
    return source ? shortName(source) : 'bundle';
  };
}

/** A short name for where a frame's code lives: src/… file, package/file, node:internal/…, (gc). */
function locate(frame: CallFrame, bundles: Map<string, BundleLookup>): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.includes('/node_modules/')) return shortName(url);
  if (url.endsWith('.js') && url.includes('/dist/bench/')) {
    let lookup = bundles.get(url);
    if (!lookup) {
      lookup = bundleFiles(url.startsWith('file:') ? fileURLToPath(url) : url);
      bundles.set(url, lookup);
    }
    return lookup(frame.lineNumber, frame.columnNumber);
  }
  // The built CLI (dist/…js), named by its source file.
  const built = /\/dist\/(.+)\.js$/.exec(url);
  return built?.[1] ? `src/${built[1]}.ts` : url;
}

const pct = (n: number, total: number) => Math.round((n / total) * 1000) / 10;

export function cpuSummary(file: string, window?: { fromUs: number; toUs: number }, top = 25) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const bundles = new Map<string, BundleLookup>();
  const where = new Map<number, string>();
  for (const n of profile.nodes) where.set(n.id, locate(n.callFrame, bundles));
  let t = profile.startTime;
  const inWindow =
    window && window.fromUs >= profile.startTime && window.toUs <= profile.endTime + 1e6 ? window : undefined;
  const selfByFunction = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  const inclusiveByFile = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (inWindow && (t < inWindow.fromUs || t > inWindow.toUs)) return;
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return;
    total += delta;
    const file = where.get(id) ?? '?';
    const fn = `${node.callFrame.functionName || '(anonymous)'} — ${file}:${node.callFrame.lineNumber + 1}`;
    selfByFunction.set(fn, (selfByFunction.get(fn) ?? 0) + delta);
    selfByFile.set(file, (selfByFile.get(file) ?? 0) + delta);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      seen.add(where.get(at) ?? '?');
    for (const f of seen) inclusiveByFile.set(f, (inclusiveByFile.get(f) ?? 0) + delta);
  });
  const ranked = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percent: pct(us, total) }));
  return {
    window: inWindow ? 'the burst' : 'the whole process',
    busyMs: Math.round(total / 1000),
    selfByFunction: ranked(selfByFunction),
    selfByFile: ranked(selfByFile),
    inclusiveByFile: ranked(inclusiveByFile),
  };
}

export function summarizeProfiles(input: {
  cpuProfile: string;
  heapSnapshot?: string;
  window?: { fromUs: number; toUs: number };
  pods: number;
}) {
  return {
    pods: input.pods,
    cpu: cpuSummary(input.cpuProfile, input.window),
    heap: input.heapSnapshot ? retainedSummary(input.heapSnapshot) : undefined,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [cpuProfile, heapSnapshot] = process.argv.slice(2);
  if (!cpuProfile) {
    console.error('usage: profile-summary.ts CPUPROFILE [HEAPSNAPSHOT]');
    process.exit(2);
  }
  console.log(JSON.stringify(summarizeProfiles({ cpuProfile, heapSnapshot, pods: NaN }), null, 2));
}
