// The proxy's DNS server (UDP), which the CCI pod's resolver points at. Names of Services in the
// cluster domain (`<svc>.<ns>.svc.<domain>`, also without the domain) get an A record: the Service's
// loopback alias. Other names in the cluster domain are NXDOMAIN. Everything else is forwarded to
// the upstream resolver as it is, and its answer relayed back. Packets are read and written with
// dns-packet.
import dgram from 'node:dgram';
import dnsPacket, { type Packet } from 'dns-packet';
import type { Logger } from '../logger.js';
import type { ServiceTable, UnsupportedService } from './service-table.js';

export interface DnsServerOptions {
  host: string;
  port: number;
  clusterDomain: string;
  /** host:port of the resolver for other names; none: those get SERVFAIL. */
  upstream?: string;
  table: ServiceTable;
  log: Logger;
}

export interface RunningDnsServer {
  port: number;
  stop(): Promise<void>;
}

const TTL_SECONDS = 5;
const RCODES = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;
const UPSTREAM_TIMEOUT_MS = 5000;

type Lookup =
  | { kind: 'notReady' }
  | { kind: 'service'; alias: string }
  | { kind: 'unsupported'; service: UnsupportedService }
  | { kind: 'missing' }
  | { kind: 'outside' };

/** What a name means to the proxy. */
export function lookupName(table: ServiceTable, name: string, clusterDomain: string): Lookup {
  const lower = name.toLowerCase().replace(/\.$/, '');
  const suffix = `.svc.${clusterDomain}`;
  let rest: string;
  if (lower.endsWith(suffix)) rest = lower.slice(0, -suffix.length);
  else if (lower.endsWith('.svc')) rest = lower.slice(0, -'.svc'.length);
  else if (lower === clusterDomain || lower.endsWith(`.${clusterDomain}`)) return { kind: 'missing' };
  else return { kind: 'outside' };
  // Until the Services are listed, no cluster name is known either way: SERVFAIL, and the client retries.
  if (!table.synced) return { kind: 'notReady' };
  const parts = rest.split('.');
  if (parts.length !== 2) return { kind: 'missing' };
  const [name_, namespace] = parts as [string, string];
  const served = table.find(namespace, name_);
  if (served) return { kind: 'service', alias: served.alias };
  const unsupported = table.unsupported().find((s) => s.namespace === namespace && s.name === name_);
  return unsupported ? { kind: 'unsupported', service: unsupported } : { kind: 'missing' };
}

function forward(packet: Buffer, upstream: string): Promise<Buffer | undefined> {
  const [host = '127.0.0.1', port = '53'] = upstream.split(':');
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const done = (answer: Buffer | undefined) => {
      clearTimeout(timer);
      socket.close();
      resolve(answer);
    };
    const timer = setTimeout(() => done(undefined), UPSTREAM_TIMEOUT_MS);
    socket.once('message', (message) => done(message));
    socket.once('error', () => done(undefined));
    socket.send(packet, Number(port), host);
  });
}

export async function startDnsServer(options: DnsServerOptions): Promise<RunningDnsServer> {
  const socket = dgram.createSocket('udp4');
  const reply = (query: Packet, rcode: keyof typeof RCODES, answers: Packet['answers'] = []) =>
    dnsPacket.encode({
      id: query.id,
      type: 'response',
      // dns-packet takes the response code in the flags' low four bits.
      flags:
        dnsPacket.AUTHORITATIVE_ANSWER |
        ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) |
        dnsPacket.RECURSION_AVAILABLE |
        RCODES[rcode],
      questions: query.questions,
      answers,
    });
  const answer = async (message: Buffer): Promise<Buffer | undefined> => {
    let query: Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return undefined; // not DNS: no answer, as a resolver would drop it
    }
    const question = query.questions?.[0];
    if (!question) return reply(query, 'SERVFAIL');
    const found = lookupName(options.table, question.name, options.clusterDomain);
    switch (found.kind) {
      case 'service':
        return reply(
          query,
          'NOERROR',
          question.type === 'A'
            ? [{ type: 'A', name: question.name, ttl: TTL_SECONDS, data: found.alias }]
            : [],
        );
      case 'notReady':
        return reply(query, 'SERVFAIL');
      case 'unsupported': // logged once by the proxy when the Service appeared
        return reply(query, 'NXDOMAIN');
      case 'missing':
        return reply(query, 'NXDOMAIN');
      case 'outside':
        if (!options.upstream) return reply(query, 'SERVFAIL');
        return (await forward(message, options.upstream)) ?? reply(query, 'SERVFAIL');
    }
  };
  let closed = false;
  socket.on('error', (error) => options.log.warn('DNS socket error', { error: error.message }));
  socket.on('message', (message, from) => {
    answer(message)
      .then((out) => {
        // An upstream answer may arrive after stop(): then there is no one to send it to.
        if (out && !closed) socket.send(out, from.port, from.address);
      })
      .catch((error: unknown) => options.log.warn('DNS answer failed', { error: (error as Error).message }));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, options.host, () => resolve());
  });
  return {
    port: socket.address().port,
    stop: () =>
      new Promise<void>((resolve) => {
        closed = true;
        socket.close(() => resolve());
      }),
  };
}
