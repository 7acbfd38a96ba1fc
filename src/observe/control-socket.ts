/**
 * The daemon's local control socket: a unix socket next to the main pid file, where
 * `keepalived-ts status` asks for the StatusDocument. One line in (`status`), one line of JSON out
 * (`{"ok":true,"status":{...}}` or `{"ok":false,"error":"..."}`), then the connection ends.
 * Read-only on purpose: nothing here changes the daemon, so the guards are the file's mode (0600:
 * root only) and bounds on what a client can hold (line size, time, number of clients).
 */
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../log.js';
import type { StatusDocument } from './status-model.js';

const MaxRequestBytes = 256;
const RequestTimeoutMs = 2000;
const MaxClients = 16;
/** How long a client may take to read a whole answer (a large status is megabytes): a stalled one holds a slot. */
const AnswerWriteTimeoutMs = 30_000;
/** How long a client may keep its end open once it has the answer: one that never closes would hold a slot. */
const LingerMs = 2000;
/** sun_path holds 108 bytes with its NUL; a longer path would be cut or refused by the kernel. */
const MaxSocketPathBytes = 107;
/** The largest answer the client reads: the status of tens of thousands of real servers fits. */
const MaxReplyBytes = 64 * 1024 * 1024;
/** A socket whose listener does not even accept within this is still held: it is not replaced. */
const StaleProbeTimeoutMs = 1000;

/** The control socket's path for a main pid file: `.pid` replaced by `.ctl` (appended without one). */
export function controlSocketPath(pidFile: string): string {
  return pidFile.endsWith('.pid') ? `${pidFile.slice(0, -'.pid'.length)}.ctl` : `${pidFile}.ctl`;
}

export interface ControlSocketOptions {
  readonly path: string;
  readonly status: () => Promise<StatusDocument> | StatusDocument;
  readonly log: Logger;
}

export class ControlSocketServer {
  private readonly server: Server;
  private readonly clients = new Set<Socket>();
  /** Set while new clients are being turned away, so the warning is logged once per burst. */
  private saturated = false;
  private closing: Promise<void> | null = null;

  private constructor(private readonly opts: ControlSocketOptions) {
    // half-open: a client may end its side right after the request (`echo status | nc -U`) and still get the answer
    this.server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
  }

  get path(): string {
    return this.opts.path;
  }

  /**
   * Listens at `path`, mode 0600 from the start (created under umask 0o177, chmod after), after
   * removing a stale socket file: only a socket nobody answers on. A live one is refused.
   */
  static async start(opts: ControlSocketOptions): Promise<ControlSocketServer> {
    if (Buffer.byteLength(opts.path) > MaxSocketPathBytes) {
      throw new Error(`control socket path over ${MaxSocketPathBytes} bytes: ${opts.path}`);
    }
    await removeStaleSocket(opts.path);
    const control = new ControlSocketServer(opts);
    await control.listen();
    return control;
  }

  private async listen(): Promise<void> {
    const { path, log } = this.opts;
    await new Promise<void>((resolve, reject) => {
      const failed = (e: Error) => reject(new Error(`cannot listen on ${path}: ${e.message}`));
      this.server.once('error', failed);
      // bind() runs inside listen(), synchronously: the umask covers exactly the socket's creation
      const previousUmask = setUmask(0o177);
      try {
        this.server.listen(path, () => {
          this.server.off('error', failed);
          resolve();
        });
      } finally {
        if (previousUmask !== undefined) process.umask(previousUmask);
      }
    });
    try {
      chmodSync(path, 0o600);
    } catch (e) {
      await this.close();
      throw new Error(`cannot make ${path} private: ${(e as Error).message}`);
    }
    this.server.on('error', (e) => log.warn({ err: e, path }, 'control socket error'));
    log.info({ path }, 'control socket listening');
  }

  /** Stops listening, drops every client and removes the socket file. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const client of this.clients) client.destroy();
    }).then(() => {
      // libuv unlinks a pipe it bound when closing it; this covers a server that never got there
      try {
        unlinkSync(this.opts.path);
      } catch {
        // already gone
      }
    });
    return this.closing;
  }

  private accept(socket: Socket): void {
    if (this.closing !== null) return void socket.destroy();
    if (this.clients.size >= MaxClients) {
      if (!this.saturated) this.opts.log.warn({ path: this.opts.path, max: MaxClients }, 'control socket: too many clients, closing new ones');
      this.saturated = true;
      socket.destroy();
      return;
    }
    this.saturated = false;
    this.clients.add(socket);
    let buffered = Buffer.alloc(0);
    let requested = false;
    let replied = false;
    let deadline = setTimeout(() => reply(errorLine(`no request within ${RequestTimeoutMs} ms`)), RequestTimeoutMs);

    const reply = (line: string): void => {
      if (replied || socket.destroyed) return;
      replied = true;
      clearTimeout(deadline);
      deadline = setTimeout(() => socket.destroy(), AnswerWriteTimeoutMs);
      socket.end(line, () => {
        clearTimeout(deadline);
        deadline = setTimeout(() => socket.destroy(), LingerMs);
      });
    };
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const newline = buffered.indexOf(0x0a);
      if ((newline === -1 ? buffered.length : newline) > MaxRequestBytes) {
        stopReading();
        return reply(errorLine(`request line over ${MaxRequestBytes} bytes`));
      }
      if (newline === -1) return;
      requested = true;
      stopReading();
      clearTimeout(deadline);
      void this.answer(buffered.subarray(0, newline).toString('utf8').trim()).then(reply);
    };
    // one request per connection: whatever follows the line is never read
    const stopReading = (): void => {
      socket.off('data', onData);
      socket.pause();
    };

    socket.on('data', onData);
    socket.once('end', () => {
      if (!requested && !replied) socket.destroy();
    });
    socket.on('error', (e) => this.opts.log.debug({ err: e }, 'control socket client error'));
    socket.on('close', () => {
      clearTimeout(deadline);
      this.clients.delete(socket);
    });
  }

  private async answer(command: string): Promise<string> {
    if (command !== 'status') return errorLine('unknown command');
    try {
      return `${JSON.stringify({ ok: true, status: await this.opts.status() })}\n`;
    } catch (e) {
      this.opts.log.warn({ err: e }, 'control socket: status failed');
      return errorLine(`status failed: ${(e as Error).message}`);
    }
  }
}

function errorLine(error: string): string {
  return `${JSON.stringify({ ok: false, error })}\n`;
}

/** process.umask(mask) throws in worker threads: there the chmod after listen is all there is. */
function setUmask(mask: number): number | undefined {
  try {
    return process.umask(mask);
  } catch {
    return undefined;
  }
}

async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket: not replacing it`);
  if (await somebodyListens(path)) throw new Error(`a keepalived-ts daemon already answers on ${path}`);
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function somebodyListens(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createConnection(path);
    const settle = (listening: boolean): void => {
      clearTimeout(timer);
      probe.destroy();
      resolve(listening);
    };
    const timer = setTimeout(() => settle(true), StaleProbeTimeoutMs);
    probe.once('connect', () => settle(true));
    probe.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT') return settle(false);
      clearTimeout(timer);
      reject(new Error(`cannot tell whether ${path} is in use: ${e.message}`));
    });
  });
}

/** Asks the daemon at `path` for its status; rejects with a message meant for the operator. */
export async function requestStatus(path: string, timeoutMs = 5000): Promise<StatusDocument> {
  const line = await exchange(path, 'status', timeoutMs);
  let reply: { ok?: unknown; status?: unknown; error?: unknown };
  try {
    reply = JSON.parse(line) as typeof reply;
  } catch {
    throw new Error(`unreadable answer from ${path}`);
  }
  if (reply?.ok === true && typeof reply.status === 'object' && reply.status !== null) return reply.status as StatusDocument;
  throw new Error(`${path} answered: ${typeof reply?.error === 'string' ? reply.error : 'an error'}`);
}

/** Sends one command line and resolves with the first line of the answer. */
function exchange(path: string, command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (outcome: Error | string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (typeof outcome === 'string') resolve(outcome);
      else reject(outcome);
    };
    const timer = setTimeout(() => finish(new Error(`no answer from ${path} within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => socket.write(`${command}\n`));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      const newline = chunk.indexOf(0x0a);
      if (newline !== -1) return finish(Buffer.concat(chunks).toString('utf8', 0, size - chunk.length + newline));
      if (size > MaxReplyBytes) finish(new Error(`answer from ${path} over ${MaxReplyBytes} bytes`));
    });
    socket.once('end', () => finish(new Error(`${path} closed the connection without an answer`)));
    socket.once('error', (e: NodeJS.ErrnoException) => finish(new Error(clientErrorMessage(path, e))));
  });
}

function clientErrorMessage(path: string, e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return `no keepalived-ts control socket at ${path} (is the daemon running?)`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied on ${path} (run as root)`;
    case 'ECONNREFUSED':
      return `nobody answers on ${path} (a stale socket: is the daemon running?)`;
    default:
      return `${path}: ${e.message}`;
  }
}
