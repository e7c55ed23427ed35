// `vkctl proxy`, the interconnect sidecar, as a real process against the real apiserver, moving
// real bytes on this machine: DNS for a Service's name, TCP through the Service's loopback alias to
// its ready endpoint (a local echo server), endpoint changes followed, unsupported Services reported.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { copyFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import { promises as dns } from 'node:dns';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiscoveryV1Api, type V1EndpointSlice } from '@kubernetes/client-node';
import dnsPacket from 'dns-packet';
import { aliasOf } from '../../src/provider/interconnect/aliases.js';
import { auditedKubeconfig, auditedRequests } from '../env/audit.js';
import { useTestEnvironment } from '../env/environment.js';
import { machineAddress } from '../env/fake-kubelet.js';
import { freePort } from '../env/processes.js';
import { echoServer, exchange } from '../env/tcp-echo.js';
import { waitFor } from '../env/wait.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/run.js');

describe('vkctl proxy: the interconnect sidecar', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  let proxy: ChildProcess | undefined;
  let logs = '';
  let dnsPort = 0;
  let kubeconfigCopy = '';
  let statusPort = 0;
  let upstream: dgram.Socket | undefined;
  const servers: { close(): void }[] = [];
  const resolver = new dns.Resolver();

  before(async function () {
    this.timeout(60_000);
    // An upstream resolver for names outside the cluster: it knows one name.
    upstream = dgram.createSocket('udp4');
    upstream.on('message', (message, from) => {
      const query = dnsPacket.decode(message);
      const answer = dnsPacket.encode({
        id: query.id,
        type: 'response',
        questions: query.questions,
        answers: [{ type: 'A', name: 'example.test', ttl: 60, data: '192.0.2.44' }],
      });
      upstream?.send(answer, from.port, from.address);
    });
    await new Promise<void>((resolve) => upstream?.bind(0, '127.0.0.1', resolve));
    // A copy of the kubeconfig, rewritten later as the runtime rewrites the sidecar's on token refresh.
    kubeconfigCopy = path.join(mkdtempSync(path.join(os.tmpdir(), 'vkctl-proxy-')), 'kubeconfig');
    copyFileSync(env().controlPlane.cluster.adminKubeconfigPath, kubeconfigCopy);
    dnsPort = await freePort();
    statusPort = await freePort();
    proxy = spawn(
      process.execPath,
      [
        cli,
        'proxy',
        '--kubeconfig',
        kubeconfigCopy,
        '--reload-interval',
        '200ms',
        '--reserved-ports',
        '7001',
        '--dns-address',
        `127.0.0.1:${dnsPort}`,
        '--status-port',
        String(statusPort),
        '--upstream-dns',
        `127.0.0.1:${upstream.address().port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proxy.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
    await waitFor('the proxy to be ready', () => Promise.resolve(logs.includes('proxy ready')));
    resolver.setServers([`127.0.0.1:${dnsPort}`]);
  });

  // A failure shows what the proxy said (and whether it exited), not only what the test saw.
  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    const exited = proxy?.exitCode ?? proxy?.signalCode;
    console.error(
      `proxy ${exited == null ? 'running' : `exited (${exited})`}; its last log lines:\n${logs.split('\n').slice(-20).join('\n')}`,
    );
  });

  after(() => {
    proxy?.kill('SIGTERM');
    upstream?.close();
    for (const server of servers) server.close();
  });

  const status = async () =>
    (await (await fetch(`http://127.0.0.1:${statusPort}/services`)).json()) as {
      served: { service: string; alias: string; ports: { endpoints: number }[] }[];
      unsupported: { namespace: string; name: string; reason: string }[];
    };

  it('resolves a Service’s name and carries TCP to its ready endpoint, by name and by cluster IP', async () => {
    const a = await echoServer('A');
    const b = await echoServer('B');
    servers.push(a, b);
    const ns = await env().createNamespace('proxy');
    const service = await env().core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: 'echo' },
        spec: {
          ports: [
            { name: 'tcp', port: 7000 },
            { name: 'reserved', port: 7001 },
          ],
        },
      },
    });
    const discovery = env().kc.makeApiClient(DiscoveryV1Api);
    const slice = (port: number): V1EndpointSlice => ({
      metadata: { name: 'echo-1', labels: { 'kubernetes.io/service-name': 'echo' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [machineAddress()], conditions: { ready: true } }],
      ports: [{ name: 'tcp', port, protocol: 'TCP' }],
    });
    await discovery.createNamespacedEndpointSlice({ namespace: ns, body: slice(a.port) });
    const alias = aliasOf(service.spec?.clusterIP ?? '');

    const addresses = await waitFor('the name to resolve', () =>
      resolver.resolve4(`echo.${ns}.svc.cluster.local`).catch(() => undefined),
    );
    assert.deepEqual(addresses, [alias]);
    assert.deepEqual(await resolver.resolve4(`echo.${ns}.svc`), [alias], 'without the domain too');
    const first = await waitFor('bytes through the proxy', async () => {
      const reply = await exchange(addresses[0] ?? '', 7000, 'hello');
      return reply.startsWith('A:') ? reply : undefined;
    });
    assert.equal(first, 'A:hello');
    // 7001 is a port the pod listens on itself (--reserved-ports): not taken by the proxy.
    assert.match(await exchange(alias, 7001, 'x'), /ECONNREFUSED/);
    // The cluster IP's own alias: what a client given the cluster IP (e.g. ECHO_SERVICE_HOST) uses.
    assert.equal(await exchange(aliasOf(service.spec?.clusterIP ?? ''), 7000, 'by ip'), 'A:by ip');

    // A client that ends its side first still gets the answer (half-close carried both ways).
    const whole = await new Promise<string>((resolve) => {
      const socket = net.connect(7000, alias, () => socket.end('half'));
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('close', () => resolve(text));
    });
    assert.equal(whole, 'A:half');

    // The endpoint moves to B: new connections follow.
    await discovery.replaceNamespacedEndpointSlice({ name: 'echo-1', namespace: ns, body: slice(b.port) });
    await waitFor('connections to follow the endpoint', async () =>
      (await exchange(alias, 7000, 'again')) === 'B:again' ? true : undefined,
    );
    // No ready endpoint: refused, not left hanging.
    await discovery.deleteNamespacedEndpointSlice({ name: 'echo-1', namespace: ns });
    const refused = await waitFor('connections to be refused', async () => {
      const reply = await exchange(alias, 7000, 'anyone?');
      return reply.startsWith('error') || reply === 'closed' ? reply : undefined;
    });
    assert.match(refused, /ECONNRESET|closed/);
  });

  it('reports NodePort, ExternalName and headless Services instead of serving them', async () => {
    const ns = await env().createNamespace('proxy-unsupported');
    await env().core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } },
    });
    await env().core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'db.example.test' } },
    });
    await env().core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } },
    });
    const reported = await waitFor('the three to be reported', async () => {
      const list = (await status()).unsupported.filter((s) => s.namespace === ns);
      return list.length === 3 ? list : undefined;
    });
    const reasons = Object.fromEntries(reported.map((s) => [s.name, s.reason]));
    assert.match(reasons.np ?? '', /NodePort Services are not supported \(only ClusterIP\)/);
    assert.match(reasons.ext ?? '', /ExternalName Services are not supported/);
    assert.match(reasons.headless ?? '', /headless/);
    await assert.rejects(resolver.resolve4(`ext.${ns}.svc.cluster.local`), { code: 'ENOTFOUND' });
    assert.match(logs, new RegExp(`"service":"${ns}/ext".*"msg":"Service not served"`));
  });

  it('follows rewritten credentials (a refreshed token) with new watches', async () => {
    // Another identity in the file: requests made as it show the new watches use what was written.
    const user = `proxy-reloaded-${Date.now()}`;
    const rewrittenAt = Date.now();
    copyFileSync(await auditedKubeconfig(env(), user), kubeconfigCopy);
    await waitFor('the proxy to reload', () => Promise.resolve(logs.includes('credentials reloaded')));
    const ns = await env().createNamespace('proxy-reload');
    await env().core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'later' }, spec: { ports: [{ port: 7100 }] } },
    });
    const addresses = await waitFor('a Service made after the reload to resolve', () =>
      resolver.resolve4(`later.${ns}.svc.cluster.local`).catch(() => undefined),
    );
    assert.equal(addresses.length, 1);
    const requests = auditedRequests(env(), user, rewrittenAt, Date.now());
    assert.ok((requests.byVerb.watch ?? 0) > 0, `requests as the new identity: ${JSON.stringify(requests)}`);
  });

  it('forwards other names to the upstream resolver, and says NXDOMAIN for unknown cluster names', async () => {
    assert.deepEqual(await resolver.resolve4('example.test'), ['192.0.2.44']);
    await assert.rejects(resolver.resolve4('nothing.default.svc.cluster.local'), { code: 'ENOTFOUND' });
  });

  // Last: it ends the proxy the other tests share.
  it('on SIGTERM keeps answering for its shutdown delay (5 s), for the app’s own shutdown, then exits 0', async function () {
    this.timeout(30_000);
    const running = proxy;
    if (!running) throw new Error('no proxy');
    const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
      running.once('exit', (code) => resolve({ code, at: Date.now() })),
    );
    const signalled = Date.now();
    running.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.deepEqual(await resolver.resolve4('example.test'), ['192.0.2.44'], 'still serving 1 s later');
    const { code, at } = await exited;
    assert.equal(code, 0);
    assert.ok(at - signalled >= 4500, `it served ${at - signalled} ms`);
    assert.match(logs, /serving a little longer for the app’s own shutdown/);
  });
});
