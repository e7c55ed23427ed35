// The server side of SPDY/3.1 as Kubernetes uses it for exec and attach: the apiserver upgrades an
// HTTP/1.1 request to "SPDY/3.1" and then opens one stream per channel (error, stdin, stdout,
// stderr, resize), naming each in a `streamtype` header. Only the part of SPDY that this needs is
// here: SYN_STREAM/SYN_REPLY, DATA with FIN, RST_STREAM, PING, GOAWAY; SETTINGS, HEADERS and
// WINDOW_UPDATE are read and ignored (the Go client, moby/spdystream, does no flow control).
//
// Written here rather than taken from npm: spdy-transport (the one SPDY library) implements SPDY as
// HTTP's transport and refuses a SYN_STREAM without `:method` and `:path`, which spdystream never
// sends. The SPDY/3 header dictionary, a protocol constant, is taken from spdy-transport.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { PassThrough, type Duplex } from 'node:stream';
import zlib from 'node:zlib';

const require = createRequire(import.meta.url);
const SPDY3_DICTIONARY = (
  require('spdy-transport/lib/spdy-transport/protocol/spdy/dictionary.js') as Record<string, Buffer>
)['3'];

const VERSION = 3;
const FLAG_FIN = 0x01;
const enum FrameType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}
/** A DATA frame carries at most this much (the length field has 24 bits; keep frames modest). */
const MAX_DATA = 16 * 1024;

/** A header block as SPDY/3 lays it out: count, then length-prefixed names and values. */
export function encodeHeaderBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const entries = Object.entries(headers);
  parts.push(u32(entries.length));
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase());
    const v = Buffer.from(value);
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  let offset = 0;
  const count = block.readUInt32BE(offset);
  offset += 4;
  for (let i = 0; i < count; i++) {
    const nameLength = block.readUInt32BE(offset);
    const name = block.subarray(offset + 4, offset + 4 + nameLength).toString();
    offset += 4 + nameLength;
    const valueLength = block.readUInt32BE(offset);
    // Several values of one name are separated by NUL; the channel headers have one each.
    headers[name] = block.subarray(offset + 4, offset + 4 + valueLength).toString();
    offset += 4 + valueLength;
  }
  return headers;
}

/**
 * SPDY compresses all header blocks of one direction as one zlib stream, flushed at each frame.
 * Inbound: the blocks received so far are inflated together (a session has a handful of streams,
 * so this stays small) and the new block is what follows the previous output. Outbound: each block
 * goes out as stored (uncompressed) deflate blocks of the same stream, then an empty stored block
 * as a sync flush would write, which is what makes an inflater (Go's) hand the bytes out.
 */
export class HeaderInflater {
  private received = Buffer.alloc(0);
  private produced = 0;

  inflate(block: Buffer): Buffer {
    this.received = Buffer.concat([this.received, block]);
    const all = zlib.inflateSync(this.received, {
      dictionary: SPDY3_DICTIONARY,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    const fresh = all.subarray(this.produced);
    this.produced = all.length;
    return fresh;
  }
}

export class HeaderDeflater {
  private started = false;

  deflate(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      parts.push(Buffer.from([0x78, 0x01])); // zlib header: deflate, 32K window, no preset dictionary
      this.started = true;
    }
    for (let offset = 0; offset < block.length; offset += 0xffff) {
      const piece = block.subarray(offset, offset + 0xffff);
      const head = Buffer.alloc(5);
      head[0] = 0x00; // not final, stored
      head.writeUInt16LE(piece.length, 1);
      head.writeUInt16LE(~piece.length & 0xffff, 3);
      parts.push(head, piece);
    }
    // An empty stored block, as a zlib sync flush ends: inflaters hand out what came before it.
    parts.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(parts);
  }
}

function controlFrame(type: FrameType, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([head, payload]);
}

function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(((flags & 0xff) << 24) | data.length, 4);
  return Buffer.concat([head, data]);
}

/** One stream the client opened. What the client sends is `incoming`; 'close' when reset. */
export class SpdyStream extends EventEmitter {
  /** The client's data, buffered until read; ends at the client's FIN or a reset. */
  readonly incoming = new PassThrough();
  private finished = false;
  private closedByPeer = false;

  constructor(
    readonly id: number,
    readonly headers: Record<string, string>,
    private readonly session: SpdySession,
  ) {
    super();
  }

  get type(): string | undefined {
    return this.headers.streamtype;
  }

  /** False when the connection's buffer is full: wait for 'drain' before writing more. */
  write(data: Buffer | string): boolean {
    if (this.finished || this.closedByPeer) return true;
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let flowing = true;
    for (let offset = 0; offset < bytes.length; offset += MAX_DATA)
      flowing = this.session.send(dataFrame(this.id, 0, bytes.subarray(offset, offset + MAX_DATA)));
    if (!flowing) this.session.once('drain', () => this.emit('drain'));
    return flowing;
  }

  /** Our half-close (FIN). */
  end(data?: Buffer | string): void {
    if (data !== undefined) this.write(data);
    if (this.finished || this.closedByPeer) return;
    this.finished = true;
    this.session.send(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)));
  }

  /** @internal */
  receive(data: Buffer, fin: boolean): void {
    if (this.incoming.writableEnded) return;
    if (data.length > 0) this.incoming.write(data);
    if (fin) this.incoming.end();
  }

  /** @internal the peer reset the stream or the session went away */
  reset(): void {
    if (this.closedByPeer) return;
    this.closedByPeer = true;
    if (!this.incoming.writableEnded) this.incoming.end();
    this.emit('close');
  }
}

/**
 * A SPDY/3.1 server session on an upgraded socket. Emits 'stream' for each stream the client
 * opens (already answered with SYN_REPLY) and 'close' when the socket ends.
 */
export class SpdySession extends EventEmitter {
  private buffered = Buffer.alloc(0);
  private readonly inflater = new HeaderInflater();
  private readonly deflater = new HeaderDeflater();
  private readonly streams = new Map<number, SpdyStream>();
  private closed = false;
  private ended = false;

  constructor(private readonly socket: Duplex) {
    super();
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('drain', () => this.emit('drain'));
    socket.on('close', () => this.shutdown());
    socket.on('error', () => this.shutdown());
  }

  /** @internal */
  send(frame: Buffer): boolean {
    return this.closed ? true : this.socket.write(frame);
  }

  /** Ends the session: GOAWAY, then the socket once what was written has gone out. */
  close(): void {
    if (this.closed) return;
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(this.lastStreamId(), 0);
    this.send(controlFrame(FrameType.GoAway, 0, payload));
    this.closed = true;
    this.socket.end();
  }

  private lastStreamId(): number {
    return Math.max(0, ...this.streams.keys());
  }

  private shutdown(): void {
    if (this.ended) return;
    this.ended = true;
    this.closed = true;
    for (const stream of this.streams.values()) stream.reset();
    this.streams.clear();
    this.emit('close');
  }

  private receive(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 8) {
      const length = this.buffered.readUInt32BE(4) & 0xffffff;
      if (this.buffered.length < 8 + length) return;
      const frame = this.buffered.subarray(0, 8 + length);
      this.buffered = this.buffered.subarray(8 + length);
      try {
        this.handleFrame(frame);
      } catch (error) {
        this.emit('error', error);
        this.socket.destroy();
        return;
      }
    }
  }

  private handleFrame(frame: Buffer): void {
    const flags = frame[4] ?? 0;
    const payload = frame.subarray(8);
    if ((frame[0] ?? 0) & 0x80) {
      const type = frame.readUInt16BE(2) as FrameType;
      this.handleControl(type, flags, payload);
      return;
    }
    const stream = this.streams.get(frame.readUInt32BE(0) & 0x7fffffff);
    stream?.receive(Buffer.from(payload), (flags & FLAG_FIN) !== 0);
  }

  private handleControl(type: FrameType, flags: number, payload: Buffer): void {
    switch (type) {
      case FrameType.SynStream: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(this.inflater.inflate(payload.subarray(10)));
        const stream = new SpdyStream(id, headers, this);
        this.streams.set(id, stream);
        const reply = this.deflater.deflate(encodeHeaderBlock({}));
        const idBytes = Buffer.alloc(4);
        idBytes.writeUInt32BE(id);
        this.send(controlFrame(FrameType.SynReply, 0, Buffer.concat([idBytes, reply])));
        this.emit('stream', stream);
        if (flags & FLAG_FIN) stream.receive(Buffer.alloc(0), true);
        return;
      }
      case FrameType.Headers:
        // Inflated only to keep the shared zlib stream in step.
        this.inflater.inflate(payload.subarray(4));
        return;
      case FrameType.RstStream: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        this.streams.get(id)?.reset();
        this.streams.delete(id);
        return;
      }
      case FrameType.Ping:
        this.send(controlFrame(FrameType.Ping, 0, Buffer.from(payload)));
        return;
      case FrameType.GoAway:
        // The client is done: end our side now, so the command is stopped.
        this.socket.end();
        this.shutdown();
        return;
      case FrameType.SynReply:
      case FrameType.Settings:
      case FrameType.WindowUpdate:
      default:
        return;
    }
  }
}
