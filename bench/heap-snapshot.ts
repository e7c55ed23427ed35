// Retained sizes from a V8 heap snapshot (.heapsnapshot, as --heapsnapshot-signal writes it): the
// dominator tree of the heap graph from the root, weak edges left out (Cooper, Harvey and Kennedy's
// iterative algorithm over a depth-first postorder), then each object's retained size is its own
// size plus that of everything it dominates. Reported: the whole heap, self size by kind of object,
// and the largest retainers with the chain of dominators that holds each.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

export function retainedSummary(file: string, top = 20) {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const { meta } = s.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const [typeAt, nameAt, sizeAt, countAt] = ['type', 'name', 'self_size', 'edge_count'].map((f) =>
    meta.node_fields.indexOf(f),
  ) as [number, number, number, number];
  const [eTypeAt, eNameAt, eToAt] = ['type', 'name_or_index', 'to_node'].map((f) =>
    meta.edge_fields.indexOf(f),
  ) as [number, number, number];
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const weak = edgeTypes.indexOf('weak');
  const n = s.nodes.length / nf;
  const firstEdge = new Int32Array(n + 1);
  for (let i = 0, e = 0; i < n; i++) {
    firstEdge[i] = e;
    e += (s.nodes[i * nf + countAt] ?? 0) * ef;
    firstEdge[i + 1] = e;
  }
  const target = (e: number) => (s.edges[e + eToAt] ?? 0) / nf;
  const strong = (e: number) => s.edges[e + eTypeAt] !== weak;

  // Depth-first postorder from the root (node 0), without recursion.
  const post = new Int32Array(n).fill(-1);
  const order: number[] = [];
  const stack = [0];
  const cursor = new Int32Array(n);
  const visited = new Uint8Array(n);
  visited[0] = 1;
  for (let i = 0; i < n; i++) cursor[i] = firstEdge[i] ?? 0;
  while (stack.length > 0) {
    const v = stack[stack.length - 1] ?? 0;
    const end = firstEdge[v + 1] ?? 0;
    let pushed = false;
    while ((cursor[v] ?? 0) < end) {
      const e = cursor[v] ?? 0;
      cursor[v] = e + ef;
      const w = target(e);
      if (strong(e) && !visited[w]) {
        visited[w] = 1;
        stack.push(w);
        pushed = true;
        break;
      }
    }
    if (!pushed) {
      stack.pop();
      post[v] = order.length;
      order.push(v);
    }
  }
  // Predecessors of reached nodes, by strong edges.
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (const v of order)
    for (let e = firstEdge[v] ?? 0; e < (firstEdge[v + 1] ?? 0); e += ef)
      if (strong(e) && (post[target(e)] ?? -1) >= 0) preds[target(e)]?.push(v);
  const idom = new Int32Array(n).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while ((post[a] ?? 0) < (post[b] ?? 0)) a = idom[a] ?? 0;
      while ((post[b] ?? 0) < (post[a] ?? 0)) b = idom[b] ?? 0;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let i = order.length - 2; i >= 0; i--) {
      const v = order[i] ?? 0;
      let d = -1;
      for (const p of preds[v] ?? []) if ((idom[p] ?? -1) >= 0) d = d < 0 ? p : intersect(p, d);
      if (d >= 0 && idom[v] !== d) {
        idom[v] = d;
        changed = true;
      }
    }
  }
  const self = (v: number) => s.nodes[v * nf + sizeAt] ?? 0;
  const retained = new Float64Array(n);
  for (const v of order) retained[v] = (retained[v] ?? 0) + self(v);
  for (const v of order)
    if (v !== 0) retained[idom[v] ?? 0] = (retained[idom[v] ?? 0] ?? 0) + (retained[v] ?? 0);

  const kind = (v: number) => nodeTypes[s.nodes[v * nf + typeAt] ?? 0] ?? '?';
  const name = (v: number) => {
    const text = s.strings[s.nodes[v * nf + nameAt] ?? 0] ?? '';
    return `${kind(v)} ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`;
  };
  const edgeName = (from: number, to: number) => {
    for (let e = firstEdge[from] ?? 0; e < (firstEdge[from + 1] ?? 0); e += ef)
      if (target(e) === to) {
        const type = edgeTypes[s.edges[e + eTypeAt] ?? 0];
        const raw = s.edges[e + eNameAt] ?? 0;
        return type === 'element' || type === 'hidden' ? `[${raw}]` : (s.strings[raw] ?? '?');
      }
    return '(dominated)';
  };
  const total = retained[0] ?? 0;
  const byKind = new Map<string, { bytes: number; count: number }>();
  for (const v of order) {
    const key = kind(v) === 'object' || kind(v) === 'closure' ? name(v) : kind(v);
    const entry = byKind.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += self(v);
    entry.count++;
    byKind.set(key, entry);
  }
  const holders = order
    .filter((v) => ['object', 'closure', 'array'].includes(kind(v)) && (retained[v] ?? 0) > total * 0.02)
    .sort((a, b) => (retained[b] ?? 0) - (retained[a] ?? 0))
    .slice(0, top)
    .map((v) => {
      const chain: string[] = [];
      for (let at = v, i = 0; at !== 0 && i < 6; i++) {
        const up = idom[at] ?? 0;
        chain.push(`${edgeName(up, at)} ← ${name(up)}`);
        at = up;
      }
      return {
        object: name(v),
        retainedMiB: mib(retained[v] ?? 0),
        percent: Math.round(((retained[v] ?? 0) / total) * 1000) / 10,
        heldBy: chain,
      };
    });
  return {
    heapMiB: mib(total),
    selfSizeByKind: [...byKind]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, top)
      .map(([k, { bytes, count }]) => ({ kind: k, MiB: mib(bytes), count })),
    largestRetainers: holders,
  };
}
