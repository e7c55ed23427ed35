// One emulated Huawei Cloud service on its own loopback port, as each real service has its own
// endpoint: faults first, then the body, then the route. Errors become API Gateway-style JSON.
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FaultInjector, ServiceName } from './faults.js';
import { HttpError, matchRoute, readBody, sendApiError, type Route } from './http.js';
import type { EmulatorState } from './state.js';

export interface ServiceContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: Buffer;
  state: EmulatorState;
  requestId: string;
}

/** Handles what no route matched (CCI forwards it to its Kubernetes backend). */
export type Fallback = (ctx: ServiceContext) => Promise<void>;

/** Handles an HTTP upgrade (CCI's exec and attach WebSockets). */
export type Upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>;

export class EmulatedService {
  private constructor(
    readonly name: ServiceName,
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(
    name: ServiceName,
    state: EmulatorState,
    faults: FaultInjector,
    routes: Route<ServiceContext>[],
    fallback?: Fallback,
    upgrade?: Upgrade,
  ): Promise<EmulatedService> {
    const server = http.createServer((req, res) => {
      void handle(req, res).catch((error: unknown) => {
        const httpError = error instanceof HttpError ? error : new HttpError(500, (error as Error).message);
        if (!res.headersSent) sendApiError(res, httpError, randomUUID());
        else res.destroy();
      });
    });

    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      if (!upgrade) return void socket.destroy();
      upgrade(req, socket, head).catch(() => socket.destroy());
    });

    async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const url = new URL(req.url ?? '/', 'http://emulator.invalid');
      const method = req.method ?? 'GET';
      const fault = faults.take(name, method, url.pathname);
      if (fault?.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
      if (fault?.drop) {
        req.socket.destroy();
        return;
      }
      if (fault?.status) {
        const headers: Record<string, string> = fault.status === 429 ? { 'Retry-After': '1' } : {};
        const requestId = randomUUID();
        res.writeHead(fault.status, {
          'Content-Type': 'application/json',
          'X-Request-Id': requestId,
          ...headers,
        });
        res.end(
          JSON.stringify({
            error_code: `APIGW.${fault.status}`,
            error_msg: 'injected fault',
            request_id: requestId,
          }),
        );
        return;
      }
      const body = await readBody(req);
      const ctx: ServiceContext = { req, res, url, body, state, requestId: randomUUID() };
      const match = matchRoute(routes, method, url.pathname);
      if (match) await match.route.handle(ctx, match.params);
      else if (fallback) await fallback(ctx);
      else throw new HttpError(404, `${name}: no such API: ${method} ${url.pathname}`, 'APIGW.0101');
    }

    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new EmulatedService(name, server, `http://127.0.0.1:${port}`);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
