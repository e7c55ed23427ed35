// What the burst-policy webhook adds for each value of virtual-kubelet.io/burst-to-cci.
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { burstPatch } from '../../src/provider/burst-policy.js';
import { admissionResponse } from '../../src/provider/webhook-server.js';

const pod = (policy: string | undefined, extra: Partial<V1Pod['spec']> = {}, owner?: string): V1Pod => ({
  metadata: {
    name: 'p',
    labels: policy ? { 'virtual-kubelet.io/burst-to-cci': policy } : {},
    ownerReferences: owner ? [{ apiVersion: 'apps/v1', kind: owner, name: 'o', uid: 'u' }] : undefined,
  },
  spec: { containers: [{ name: 'c', image: 'x' }], ...extra },
});

describe('burst policy', () => {
  it('enforce: the toleration and a required affinity to the virtual node', () => {
    const patch = burstPatch(pod('enforce'));
    assert.deepEqual(patch[0], {
      op: 'add',
      path: '/spec/tolerations',
      value: [
        { key: 'virtual-kubelet.io/provider', operator: 'Equal', value: 'huawei-cci', effect: 'NoSchedule' },
      ],
    });
    assert.deepEqual(patch[1]?.value, {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'type', operator: 'In', values: ['virtual-kubelet'] }] },
          ],
        },
      },
    });
  });

  for (const policy of ['localPrefer', 'auto']) {
    it(`${policy}: the toleration and a preference for ordinary nodes`, () => {
      const patch = burstPatch(pod(policy));
      assert.equal(patch.length, 2);
      assert.deepEqual(patch[1]?.value, {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              preference: {
                matchExpressions: [{ key: 'type', operator: 'NotIn', values: ['virtual-kubelet'] }],
              },
            },
          ],
        },
      });
    });
  }

  it('leaves alone: off, no label, an unknown value, DaemonSet pods and hostNetwork pods', () => {
    for (const p of [
      pod('off'),
      pod(undefined),
      pod('always'),
      pod('enforce', {}, 'DaemonSet'),
      pod('enforce', { hostNetwork: true }),
    ]) {
      assert.deepEqual(burstPatch(p), []);
    }
  });

  it('keeps what the pod has: its tolerations, and its own affinity terms ANDed with the virtual node', () => {
    const patch = burstPatch(
      pod('enforce', {
        tolerations: [{ key: 'other', operator: 'Exists' }],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }],
            },
          },
        },
      }),
    );
    assert.equal(patch[0]?.path, '/spec/tolerations/-');
    assert.equal(patch[1]?.op, 'replace');
    const terms = (
      patch[1]?.value as {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: { matchExpressions: { key: string }[] }[];
          };
        };
      }
    ).nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    assert.deepEqual(
      terms[0]?.matchExpressions.map((e) => e.key),
      ['zone', 'type'],
    );
  });

  it('answers an AdmissionReview with its uid and a base64 JSON patch', () => {
    const review = admissionResponse({
      request: { uid: 'u-1', operation: 'CREATE', object: pod('enforce') },
    }) as {
      response: { uid: string; allowed: boolean; patchType: string; patch: string };
    };
    assert.equal(review.response.uid, 'u-1');
    assert.equal(review.response.allowed, true);
    assert.equal(review.response.patchType, 'JSONPatch');
    assert.equal(
      (JSON.parse(Buffer.from(review.response.patch, 'base64').toString()) as unknown[]).length,
      2,
    );
  });
});
