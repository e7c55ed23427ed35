// TCP helpers for the proxy tests: a local echo server stands in for a Service's endpoint, and an
// exchange says what came back (or how the connection failed).
import net from 'node:net';
import { machineAddress } from './fake-kubelet.js';

/** A TCP server on this machine's address that answers each chunk with `<tag>:<chunk>`. */
export async function echoServer(tag: string): Promise<{ port: number; close(): void }> {
  const server = net.createServer((socket) =>
    socket.on('data', (d) => socket.write(`${tag}:${d.toString()}`)),
  );
  await new Promise<void>((resolve) => server.listen(0, machineAddress(), resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

/** Connects, sends `text`, resolves with the first answer, or with the error's code. */
export function exchange(host: string, port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host, () => socket.write(text));
    socket.once('data', (d) => {
      resolve(d.toString());
      socket.destroy();
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code ?? e.message}`));
    socket.once('close', () => resolve('closed'));
  });
}
