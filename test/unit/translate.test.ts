import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { podReferences } from '../../src/provider/pod-references.js';
import {
  cciObjectName,
  cciPodName,
  cciReferences,
  originOf,
  toCciPod,
} from '../../src/provider/translate.js';

const pod: V1Pod = {
  metadata: { namespace: 'shop', name: 'web-1', uid: 'u-1', labels: { tier: 'front' } },
  spec: {
    nodeName: 'virtual-kubelet',
    imagePullSecrets: [{ name: 'swr' }],
    volumes: [
      { name: 'conf', configMap: { name: 'settings' } },
      { name: 'certs', secret: { secretName: 'tls' } },
      // As the ServiceAccount admission plugin adds it.
      {
        name: 'kube-api-access-x1',
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            {
              downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] },
            },
          ],
        },
      },
    ],
    containers: [
      {
        name: 'main',
        image: 'nginx',
        env: [
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'settings', key: 'a' } } },
          { name: 'S', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
          { name: 'ME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
          { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        ],
        envFrom: [{ configMapRef: { name: 'bulk' } }],
        volumeMounts: [{ name: 'kube-api-access-x1', mountPath: '/var/run/secrets' }],
      },
    ],
  },
};

describe('translating a pod for CCI', () => {
  it('lists each ConfigMap and Secret once, without the cluster token’s CA', () => {
    const before = structuredClone(pod);
    assert.deepEqual(
      cciReferences(pod)
        .map((r) => `${r.kind}/${r.name}`)
        .sort(),
      ['configmap/bulk', 'configmap/settings', 'secret/creds', 'secret/swr', 'secret/tls'],
    );
    assert.ok(
      podReferences(pod.spec).some((r) => r.name === 'kube-root-ca.crt'),
      'present in the pod itself',
    );
    // A kubelet pulls without a pull secret it cannot find: not something the pod waits for.
    assert.deepEqual(
      podReferences(pod.spec).find((r) => r.name === 'swr'),
      { kind: 'secret', name: 'swr', optional: true },
    );
    assert.deepEqual(pod, before, 'listing changes nothing in the pod');
  });

  it('points every reference at its CCI copy and resolves the pod’s own fields', () => {
    const cci = toCciPod(pod);
    const container = cci.spec?.containers[0];
    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e]));
    assert.equal(env.A?.valueFrom?.configMapKeyRef?.name, cciObjectName('shop', 'settings'));
    assert.equal(env.S?.valueFrom?.secretKeyRef?.name, 'shop.creds');
    assert.equal(env.ME?.value, 'web-1', 'the cluster pod’s name, not the CCI pod’s');
    assert.equal(env.TIER?.value, 'front');
    assert.equal(env.IP?.valueFrom?.fieldRef?.fieldPath, 'status.podIP', 'left to CCI');
    assert.equal(container?.envFrom?.[0]?.configMapRef?.name, 'shop.bulk');
    assert.deepEqual(cci.spec?.imagePullSecrets, [{ name: 'shop.swr' }]);
    assert.deepEqual(
      cci.spec?.volumes?.map((v) => v.name),
      ['conf', 'certs'],
    );
    assert.equal(cci.spec?.volumes?.[1]?.secret?.secretName, 'shop.tls');
    // A user's own volume that only looks like the token's by name is kept, never dropped unseen.
    const lookalike = toCciPod({
      ...pod,
      spec: {
        containers: [
          { name: 'main', image: 'x', volumeMounts: [{ name: 'kube-api-access-mine', mountPath: '/h' }] },
        ],
        volumes: [{ name: 'kube-api-access-mine', hostPath: { path: '/etc' } }],
      },
    });
    assert.deepEqual(lookalike.spec?.volumes, [{ name: 'kube-api-access-mine', hostPath: { path: '/etc' } }]);
    assert.equal(lookalike.spec?.containers[0]?.volumeMounts?.[0]?.name, 'kube-api-access-mine');
    assert.equal(pod.spec?.volumes?.[0]?.configMap?.name, 'settings', 'the original is left as it was');
  });

  it('names the CCI pod after its origin, within 63 characters, and maps it back for its node only', () => {
    const cci = toCciPod(pod);
    assert.equal(cci.metadata?.name, 'shop.web-1');
    assert.equal(cci.spec?.hostname, 'web-1', 'the cluster pod’s name as hostname');
    assert.notEqual(cciPodName('a-b', 'c'), cciPodName('a', 'b-c'), 'no collisions across namespaces');
    assert.deepEqual(originOf(cci, 'virtual-kubelet'), { namespace: 'shop', name: 'web-1', uid: 'u-1' });
    assert.equal(originOf(cci, 'another-node'), undefined);
    const long = cciPodName('a'.repeat(40), 'b'.repeat(40));
    assert.ok(long.length <= 63);
    assert.notEqual(long, cciPodName('a'.repeat(40), `${'b'.repeat(39)}c`));
  });
});
