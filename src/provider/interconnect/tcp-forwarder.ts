// The proxy's TCP side: for every TCP port of every served Service, a listener on the Service's
// loopback alias; each connection goes to one of the Service's ready endpoints (round robin), read
// from the table at that moment, so endpoint changes apply to the next connection. With no ready
// endpoint the connection is refused (reset), as kube-proxy rejects it. Listeners follow the table:
// opened for new Services and ports, closed for removed ones.
import net from 'node:net';
import type { Logger } from '../logger.js';
import type { ServedPort, ServedService, ServiceTable } from './service-table.js';

interface Listener {
  server: net.Server;
  service: ServedService;
  port: ServedPort;
  next: number;
}

const keyOf = (service: ServedService, port: ServedPort) => `${service.alias}:${port.port}`;

export class TcpForwarder {
  private readonly listeners = new Map<string, Listener>();
  private readonly connections = new Set<net.Socket>();
  private readonly failed = new Set<string>();
  private stopped = false;

  constructor(
    private readonly table: ServiceTable,
    private readonly log: Logger,
    /**
     * Ports the pod's own containers listen on: an alias listener on one of them would make the
     * app's wildcard listen fail (EADDRINUSE), so those Service ports are not served in this pod.
     */
    private readonly reservedPorts: ReadonlySet<number> = new Set(),
  ) {}

  /** Opens and closes listeners to match the table. */
  async sync(): Promise<void> {
    if (this.stopped) return;
    const wanted = new Map<string, { service: ServedService; port: ServedPort }>();
    for (const service of this.table.served())
      for (const port of service.ports)
        if (port.protocol === 'TCP' && !this.reservedPorts.has(port.port))
          wanted.set(keyOf(service, port), { service, port });
    for (const [key, listener] of this.listeners) {
      if (wanted.has(key)) {
        const current = wanted.get(key);
        if (current) Object.assign(listener, current); // port names may have changed
        continue;
      }
      this.listeners.delete(key);
      listener.server.close();
    }
    for (const [key, { service, port }] of wanted) {
      if (this.listeners.has(key)) continue;
      const listener: Listener = {
        // Half-open: a client that ends its side still gets the server's answer (and vice versa).
        server: net.createServer({ allowHalfOpen: true }),
        service,
        port,
        next: 0,
      };
      listener.server.on('connection', (client) => this.forward(listener, client));
      this.listeners.set(key, listener);
      const bound = await new Promise<boolean>((resolve) => {
        listener.server.once('error', () => resolve(false));
        listener.server.listen(port.port, service.alias, () => resolve(true));
      });
      // After the bind, an accept error (EMFILE) is logged, not fatal.
      listener.server.on('error', (error) =>
        this.log.warn('Service port listener error', { address: key, error: error.message }),
      );
      if (bound) continue;
      this.listeners.delete(key);
      listener.server.close();
      if (this.failed.has(key)) continue; // said once; retried at the next change
      this.failed.add(key);
      this.log.warn('cannot serve Service port', {
        service: `${service.namespace}/${service.name}`,
        address: key,
      });
    }
  }

  private forward(listener: Listener, client: net.Socket): void {
    const endpoints = this.table.endpoints(listener.service, listener.port);
    const endpoint = endpoints[listener.next++ % Math.max(1, endpoints.length)];
    if (!endpoint) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ port: endpoint.port, host: endpoint.ip, allowHalfOpen: true });
    for (const socket of [client, upstream]) {
      this.connections.add(socket);
      socket.once('close', () => this.connections.delete(socket));
      socket.setNoDelay(true);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    // One side failing ends the other: a reset for a reset, so the caller sees the failure.
    upstream.on('error', () => client.resetAndDestroy());
    client.on('error', () => upstream.destroy());
  }

  /** Each served address and its TCP ports, for status. */
  addresses(): string[] {
    return [...this.listeners.keys()].sort();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const socket of this.connections) socket.destroy();
    await Promise.all(
      [...this.listeners.values()].map(
        (l) => new Promise<void>((resolve) => l.server.close(() => resolve())),
      ),
    );
    this.listeners.clear();
  }
}
