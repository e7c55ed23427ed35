// What the virtual node's kubelet API makes of CCI's answers where CCI serves less than Kubernetes:
// no metrics API (a 404: stats without usage, one warning per spell) and no attach (a 404: one line
// that says so), as opposed to CCI's own 404 CCI.01.404101, which is an error like any other.
import assert from 'node:assert/strict';
import type { KubernetesListObject, V1Pod } from '@kubernetes/client-node';
import type { CciPodMetrics } from '../../src/cloud/cci.js';
import { CloudApiError } from '../../src/cloud/http.js';
import type { CciBackend } from '../../src/provider/cci-backend.js';
import { refusal } from '../../src/provider/kubelet/cci-commands.js';
import { renderResourceMetrics } from '../../src/provider/kubelet/resource-metrics.js';
import { PodStatsSource } from '../../src/provider/kubelet/stats.js';
import { cciPodName } from '../../src/provider/translate.js';
import { collectingLogger } from '../env/provider.js';

const startedAt = new Date('2026-01-01T00:00:00Z');
const pod: V1Pod = {
  metadata: { name: 'web', namespace: 'shop', uid: 'uid-1' },
  status: {
    phase: 'Running',
    startTime: startedAt,
    containerStatuses: [
      {
        name: 'main',
        image: 'busybox',
        imageID: '',
        ready: true,
        restartCount: 0,
        state: { running: { startedAt } },
      },
    ],
  },
};

const notServed = () =>
  new CloudApiError(
    'cci',
    404,
    'NotFound',
    'CCI 404 NotFound: the server could not find the requested resource',
  );
const notAuthorized = () =>
  new CloudApiError('cci', 404, 'CCI.01.404101', 'CCI is not authorized for this account (no agency found)');
const served = (): KubernetesListObject<CciPodMetrics> => ({
  items: [
    {
      metadata: { name: cciPodName('shop', 'web') },
      containers: [{ name: 'main', usage: { cpu: '12500000n', memory: '107374182' } }],
    },
  ],
});

describe('the kubelet API where CCI serves no metrics API', () => {
  const answers: (() => KubernetesListObject<CciPodMetrics>)[] = [];
  const backend = {
    podMetrics: () => {
      const next = answers.shift();
      return next ? Promise.resolve().then(next) : Promise.reject(new Error('no answer queued'));
    },
  } as Partial<CciBackend> as CciBackend;
  const source = new PodStatsSource(backend, 'cce-burst-x', 'vk-node', () => [pod]);

  it('answers without usage, warns once per spell, and says when usage is back', async () => {
    const lines: string[] = [];
    const log = collectingLogger(lines);
    const warnings = () => lines.filter((l) => l.startsWith('warn CCI serves no metrics API'));
    for (let scrape = 0; scrape < 3; scrape++) {
      answers.push(() => {
        throw notServed();
      });
      const summary = await source.summary(log);
      assert.deepEqual(summary.node, { nodeName: 'vk-node', startTime: summary.node.startTime });
      assert.deepEqual(summary.pods, [
        {
          podRef: { name: 'web', namespace: 'shop', uid: 'uid-1' },
          startTime: startedAt.toISOString(),
          containers: [{ name: 'main', startTime: startedAt.toISOString() }],
        },
      ]);
    }
    assert.equal(warnings().length, 1, lines.join('\n'));

    answers.push(served);
    const back = await source.summary(log);
    assert.equal(back.pods[0]?.containers[0]?.cpu?.usageNanoCores, 12_500_000);
    assert.ok(lines.some((l) => l.startsWith('info CCI serves a metrics API now')));

    answers.push(() => {
      throw notServed();
    });
    await source.summary(log);
    assert.equal(warnings().length, 2, 'a new spell without is told again');
  });

  it('takes CCI’s own 404 (CCI not authorized) as the error it is', async () => {
    answers.push(() => {
      throw notAuthorized();
    });
    await assert.rejects(source.summary(collectingLogger([])), /not authorized/);
  });

  it('renders start times only, and resource_scrape_error 1, for a Summary without usage', () => {
    const text = renderResourceMetrics({
      node: { nodeName: 'vk-node', startTime: startedAt.toISOString() },
      pods: [
        {
          podRef: { name: 'web', namespace: 'shop', uid: 'uid-1' },
          startTime: startedAt.toISOString(),
          containers: [{ name: 'main', startTime: startedAt.toISOString() }],
        },
      ],
    });
    assert.match(
      text,
      new RegExp(
        `^container_start_time_seconds\\{container="main",namespace="shop",pod="web"\\} ${startedAt.getTime() / 1000} `,
        'm',
      ),
    );
    assert.doesNotMatch(
      text,
      /^(container|pod|node)_(cpu_usage_seconds_total|memory_working_set_bytes)[{ ]/m,
    );
    assert.match(text, /^resource_scrape_error 1$/m);
  });
});

describe('the kubelet API where CCI serves no attach', () => {
  const generic = JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message: 'the server could not find the requested resource',
    reason: 'NotFound',
    code: 404,
  });

  it('says in one line that CCI does not serve attach, and what to use instead', () => {
    const line = refusal('attach', 404, generic);
    assert.match(
      line,
      /^CCI does not serve attach \(it answered 404: the server could not find the requested resource\); /,
    );
    assert.match(line, /kubectl logs -f/);
    assert.doesNotMatch(line, /\n/);
  });

  it('keeps other refusals as CCI gave them', () => {
    const unauthorized = JSON.stringify({
      message: 'no agency found for user',
      reason: 'NotFound',
      errorCode: 'CCI.01.404101',
    });
    assert.equal(
      refusal('attach', 404, unauthorized),
      'CCI is not authorized for this account (no agency found): open the CCI console in this region once and agree to authorize it (CCI CCI.01.404101: no agency found for user)',
      'a code a user can act on says what to do',
    );
    const unknownCode = JSON.stringify({ message: 'quota', reason: 'Forbidden', errorCode: 'CCI.99.403999' });
    assert.equal(refusal('exec', 403, unknownCode), 'quota (CCI CCI.99.403999)');
    const podGone = JSON.stringify({
      message: 'pods "x" not found',
      reason: 'NotFound',
      details: { name: 'x', kind: 'pods' },
    });
    assert.equal(refusal('attach', 404, podGone), 'pods "x" not found');
    assert.equal(refusal('exec', 404, generic), 'the server could not find the requested resource');
    // A 1.19 streaming server refuses unknown subprotocols with a bare 403.
    assert.equal(refusal('exec', 403, ''), 'CCI refused the exec WebSocket with HTTP 403');
  });
});
