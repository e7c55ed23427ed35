// The CCI emulator's pruning to Kubernetes 1.19, against the real published v1.19.16 OpenAPI document
// (fetched by `npm run control-plane`). The bodies are typed with @kubernetes/client-node's current
// models, so every "newer" field below is checked by the compiler to exist in today's API; the
// pruning proves 1.19's schema lacks it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import {
  CCI_KUBERNETES_VERSION,
  isCoveredByKubernetes119,
  kubernetes119Definition,
  pruneToKubernetes119,
} from '../env/emulator/k8s-119-schema.js';

/** Everything here existed in 1.19 and must come through exactly. */
function knownPod(): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      namespace: 'team-a',
      labels: { app: 'web', 'example.com/tier': 'front' },
      annotations: { 'cri.cci.io/gpu-driver': 'gpu-418.126', 'kubernetes.io/availablezone': 'cn-north-4a' },
    },
    spec: {
      restartPolicy: 'Always',
      dnsPolicy: 'None',
      dnsConfig: {
        nameservers: ['10.0.0.10'],
        searches: ['svc.cluster.local'],
        options: [{ name: 'ndots', value: '2' }],
      },
      imagePullSecrets: [{ name: 'imagepull-secret' }],
      initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'true'] }],
      containers: [
        {
          name: 'app',
          image: 'nginx:1.25',
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          env: [
            { name: 'PLAIN', value: 'x' },
            { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token', optional: false } } },
          ],
          resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
          volumeMounts: [{ name: 'conf', mountPath: '/etc/app', readOnly: true }],
          livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 },
          readinessProbe: { tcpSocket: { port: 8080 } },
          lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo started'] } } },
        },
      ],
      volumes: [
        { name: 'conf', configMap: { name: 'app-conf', items: [{ key: 'a', path: 'a.conf' }] } },
        { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
      ],
    },
  };
}

describe('pruning bodies to the Kubernetes 1.19 schema', () => {
  it('maps the CCI core/v1 resources to their 1.19 definitions and covers nothing else', () => {
    const expected: Record<string, string> = {
      pods: 'Pod',
      configmaps: 'ConfigMap',
      secrets: 'Secret',
      events: 'Event',
      namespaces: 'Namespace',
      services: 'Service',
      endpoints: 'Endpoints',
      persistentvolumeclaims: 'PersistentVolumeClaim',
    };
    for (const [resource, kind] of Object.entries(expected)) {
      assert.equal(kubernetes119Definition(resource), `io.k8s.api.core.v1.${kind}`, resource);
      assert.ok(isCoveredByKubernetes119(resource), resource);
    }
    for (const resource of ['networks', 'deployments', 'pods/status', 'Pods', ''])
      assert.equal(isCoveredByKubernetes119(resource), false, resource);
    const body = { spec: { hostUsers: false } };
    const uncovered = pruneToKubernetes119('networks', body);
    assert.equal(uncovered.object, body);
    assert.deepEqual(uncovered.dropped, []);
  });

  it('keeps every field 1.19 knows, with its value, and drops nothing', () => {
    const pod = knownPod();
    const { object, dropped } = pruneToKubernetes119('pods', pod);
    assert.deepEqual(dropped, []);
    assert.deepEqual(object, pod);
    assert.notEqual(object, pod, 'a copy, not the caller’s object');
  });

  it('drops restartPolicy on an init container (a native sidecar) but keeps the pod restartPolicy', () => {
    const pod = knownPod();
    pod.spec!.initContainers = [
      { name: 'proxy', image: 'envoy', restartPolicy: 'Always' },
      { name: 'init', image: 'busybox' },
    ];
    const { object, dropped } = pruneToKubernetes119('pods', pod);
    assert.deepEqual(dropped, ['spec.initContainers[0].restartPolicy']);
    const spec = (object as V1Pod).spec!;
    assert.deepEqual(spec.initContainers, [
      { name: 'proxy', image: 'envoy' },
      { name: 'init', image: 'busybox' },
    ]);
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(pod.spec!.initContainers[0]!.restartPolicy, 'Always', 'the input is left alone');
  });

  it('drops fields added after 1.19 wherever they are nested, and lists their paths', () => {
    const pod = knownPod();
    const spec = pod.spec!;
    const app = spec.containers[0]!;
    spec.hostUsers = false;
    spec.os = { name: 'linux' };
    spec.schedulingGates = [{ name: 'example.com/wait' }];
    spec.resourceClaims = [{ name: 'gpu', resourceClaimName: 'gpu-claim' }];
    app.resizePolicy = [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }];
    app.startupProbe = { grpc: { port: 9090 }, failureThreshold: 30 };
    app.resources = { ...app.resources, claims: [{ name: 'gpu' }] };
    app.lifecycle = { ...app.lifecycle, preStop: { sleep: { seconds: 5 } } };
    spec.volumes!.push({ name: 'model', image: { reference: 'example.com/model:1' } });
    const { object, dropped } = pruneToKubernetes119('pods', pod);
    assert.deepEqual(dropped.sort(), [
      'spec.containers[0].lifecycle.preStop.sleep',
      'spec.containers[0].resizePolicy',
      'spec.containers[0].resources.claims',
      'spec.containers[0].startupProbe.grpc',
      'spec.hostUsers',
      'spec.os',
      'spec.resourceClaims',
      'spec.schedulingGates',
      'spec.volumes[2].image',
    ]);
    const kept = (object as V1Pod).spec!;
    const keptApp = kept.containers[0]!;
    assert.deepEqual(keptApp.startupProbe, { failureThreshold: 30 });
    assert.deepEqual(keptApp.lifecycle, {
      postStart: { exec: { command: ['sh', '-c', 'echo started'] } },
      preStop: {},
    });
    assert.deepEqual(keptApp.resources, knownPod().spec!.containers[0]!.resources);
    assert.deepEqual(kept.volumes![2], { name: 'model' });
    for (const key of ['hostUsers', 'os', 'schedulingGates', 'resourceClaims'])
      assert.ok(!(key in kept), key);
  });

  it('drops unknown keys at the top level and in metadata, and misspelt ones (decoding is case-sensitive)', () => {
    const body = {
      ...knownPod(),
      extra: { a: 1 },
      metadata: { name: 'web', ownerReference: [], Labels: { a: 'b' } },
    };
    const { object, dropped } = pruneToKubernetes119('pods', body);
    assert.deepEqual(dropped.sort(), ['extra', 'metadata.Labels', 'metadata.ownerReference']);
    assert.deepEqual((object as V1Pod).metadata, { name: 'web' });
  });

  it('keeps pod status fields 1.19 knows and drops newer ones', () => {
    const pod: V1Pod = {
      ...knownPod(),
      status: {
        phase: 'Running',
        podIP: '10.0.0.5',
        hostIPs: [{ ip: '192.168.0.2' }],
        observedGeneration: 1,
      },
    };
    const { object, dropped } = pruneToKubernetes119('pods', pod);
    assert.deepEqual(dropped, ['status.hostIPs', 'status.observedGeneration']);
    assert.deepEqual((object as V1Pod).status, { phase: 'Running', podIP: '10.0.0.5' });
  });

  it("keeps a ConfigMap's data and binaryData maps whole", () => {
    const configMap: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app-conf' },
      data: { 'a.conf': 'x=1\n', 'weird.key-_': '' },
      binaryData: { blob: Buffer.from([0, 1, 2]).toString('base64') },
      immutable: true,
    };
    const { object, dropped } = pruneToKubernetes119('configmaps', configMap);
    assert.deepEqual(dropped, []);
    assert.deepEqual(object, configMap);
  });

  it('names keys that are not identifiers in bracket form', () => {
    const { dropped } = pruneToKubernetes119('services', {
      metadata: { name: 's' },
      spec: {
        ports: [{ port: 80, targetPort: 'http', 'app-protocol': 'h2' }],
        ipFamilyPolicy: 'SingleStack',
      },
    });
    assert.deepEqual(dropped, ['spec.ports[0]["app-protocol"]', 'spec.ipFamilyPolicy']);
  });

  it('names `npm run control-plane` when the document is not in the cache', () => {
    // A fresh process: this one has the document loaded already.
    const cache = mkdtempSync(path.join(os.tmpdir(), 'vkctl-empty-cache-'));
    try {
      const module = fileURLToPath(new URL('../env/emulator/k8s-119-schema.ts', import.meta.url));
      const script = `const m = await import(${JSON.stringify(module)}); m.pruneToKubernetes119('pods', {});`;
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, VKCTL_CACHE_DIR: cache },
      });
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, /OpenAPI document .* is missing/);
      assert.ok(
        run.stderr.includes(path.join(cache, 'k8s-openapi', `v${CCI_KUBERNETES_VERSION}`, 'swagger.json')),
        run.stderr,
      );
      assert.match(run.stderr, /npm run control-plane/);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
