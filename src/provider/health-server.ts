// The runtime's plain-HTTP listener, up before anything else so that probes get an answer (not a
// refused connection) while the rest starts: /healthz answers as soon as the process listens,
// /readyz only once `isReady()` says so, /metrics in Prometheus' text format.
import http from 'node:http';
import { LISTENER_OPTIONS } from './listener-limits.js';
import type { ProviderMetrics } from './metrics.js';

export interface HealthServer {
  port: number;
  stop(): Promise<void>;
}

export async function startHealthServer(
  port: number,
  host: string | undefined,
  isReady: () => boolean,
  metrics: ProviderMetrics,
): Promise<HealthServer> {
  // GET only; a body is never read. The time limits hold anyone who connects to them.
  const server = http.createServer(LISTENER_OPTIONS, (req, res) => {
    if (req.url === '/metrics') {
      void metrics.text().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
          res.end(text);
        },
        (error: unknown) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(String(error));
        },
      );
      return;
    }
    const status = req.url === '/healthz' ? 200 : req.url === '/readyz' ? (isReady() ? 200 : 503) : 404;
    res.writeHead(status, { 'Content-Type': 'text/plain' });
    res.end(status === 200 ? 'ok' : status === 503 ? 'starting' : 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
