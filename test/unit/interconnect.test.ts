// The pure parts of interconnect: aliases, the sidecar's edits to a CCI pod, service links.
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { aliasOf } from '../../src/provider/interconnect/aliases.js';
import { serviceLinkEnv } from '../../src/provider/interconnect/service-links.js';
import { listeningPorts, withProxySidecar } from '../../src/provider/interconnect/sidecar.js';
import { ORIGIN_NAMESPACE } from '../../src/provider/translate.js';

describe('interconnect', () => {
  it('serves a cluster IP a.b.c.d on 127.b.c.d, keeping clear of 127.0.x.x', () => {
    assert.equal(aliasOf('10.247.3.10'), '127.247.3.10');
    assert.equal(aliasOf('10.0.0.1'), '127.255.0.1');
  });

  const pod = (): V1Pod => ({
    metadata: { name: 'shop.web', annotations: { [ORIGIN_NAMESPACE]: 'shop' } },
    spec: {
      dnsConfig: { searches: ['corp.example'], options: [{ name: 'ndots', value: '2' }] },
      containers: [
        {
          name: 'web',
          ports: [{ containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/', port: 8081 } },
          livenessProbe: { tcpSocket: { port: 'http' } },
        },
      ],
    },
  });

  it('knows the ports a pod listens on: declared ports and numeric probe ports', () => {
    assert.deepEqual(listeningPorts(pod().spec ?? { containers: [] }), [8080, 8081]);
  });

  it('adds the sidecar, reserves the pod’s ports, and keeps the pod’s own DNS search and options', () => {
    const out = withProxySidecar(pod(), { image: 'img', clusterDomain: 'cluster.local' });
    const sidecar = out.spec?.initContainers?.[0];
    assert.ok(sidecar?.args?.includes('--reserved-ports=8080,8081'));
    assert.ok(!sidecar?.args?.some((a) => a.startsWith('--upstream-dns')), 'none when none is configured');
    assert.deepEqual(out.spec?.dnsConfig, {
      nameservers: ['127.0.0.1'],
      searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'],
      options: [{ name: 'ndots', value: '2' }],
    });
    assert.equal(
      withProxySidecar(out, { image: 'img', clusterDomain: 'cluster.local' }).spec?.initContainers?.length,
      1,
    );
  });

  it('words service links as a kubelet does, for ClusterIP Services only', () => {
    const env = serviceLinkEnv({
      metadata: { name: 'redis-master' },
      spec: { clusterIP: '10.96.0.11', ports: [{ name: 'redis', port: 6379 }] },
    });
    assert.deepEqual(Object.fromEntries(env.map((e) => [e.name, e.value])), {
      REDIS_MASTER_SERVICE_HOST: '127.96.0.11',
      REDIS_MASTER_SERVICE_PORT: '6379',
      REDIS_MASTER_SERVICE_PORT_REDIS: '6379',
      REDIS_MASTER_PORT: 'tcp://127.96.0.11:6379',
      REDIS_MASTER_PORT_6379_TCP: 'tcp://127.96.0.11:6379',
      REDIS_MASTER_PORT_6379_TCP_PROTO: 'tcp',
      REDIS_MASTER_PORT_6379_TCP_PORT: '6379',
      REDIS_MASTER_PORT_6379_TCP_ADDR: '127.96.0.11',
    });
    assert.deepEqual(
      serviceLinkEnv({ metadata: { name: 'h' }, spec: { clusterIP: 'None', ports: [{ port: 1 }] } }),
      [],
    );
  });
});
