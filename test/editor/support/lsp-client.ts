import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';

/**
 * A minimal Language Server Protocol client over a server's stdin/stdout (JSON-RPC with
 * Content-Length framing), enough to open documents and ask for completion, hover and diagnostics.
 * Every wait has a deadline and fails with what it was waiting for; `close()` always kills the server.
 */

type Json = Record<string, unknown>;
interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}
export interface Diagnostic {
  message: string;
  severity?: number;
  range: { start: { line: number; character: number } };
}
export interface CompletionItem {
  label: string;
  kind?: number;
  detail?: string;
  documentation?: string | { value: string };
}

const SERVER = path.resolve(import.meta.dirname, '../../../node_modules/.bin/yaml-language-server');

export class LspClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly diagnostics = new Map<string, Diagnostic[][]>();
  private readonly waiters = new Set<() => void>();
  private stderr = '';
  private exited: string | undefined;

  constructor(private readonly timeoutMs = 15_000) {
    this.child = spawn(SERVER, ['--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = `yaml-language-server exited (${signal ?? code})`;
      for (const pending of this.pending.values()) pending.reject(new Error(this.failure(this.exited)));
      this.pending.clear();
      for (const wake of this.waiters) wake();
    });
    this.child.on('error', (error) => {
      this.exited = `yaml-language-server could not start: ${error.message}`;
    });
  }

  /** initialize, initialized, then the settings (the schema store is off: it would reach the internet). */
  async start(rootUri: string, settings: Json = {}): Promise<void> {
    await this.request('initialize', {
      processId: process.pid,
      rootUri,
      capabilities: {
        textDocument: {
          completion: { completionItem: { snippetSupport: true, documentationFormat: ['plaintext'] } },
          hover: { contentFormat: ['plaintext'] },
          publishDiagnostics: {},
        },
        workspace: { configuration: false, didChangeConfiguration: { dynamicRegistration: false } },
      },
    });
    this.notify('initialized', {});
    this.notify('workspace/didChangeConfiguration', {
      settings: {
        yaml: {
          validate: true,
          completion: true,
          hover: true,
          schemaStore: { enable: false },
          ...settings,
        },
      },
    });
  }

  open(uri: string, text: string): void {
    this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  }

  async completion(uri: string, line: number, character: number): Promise<CompletionItem[]> {
    const result = (await this.request('textDocument/completion', {
      textDocument: { uri },
      position: { line, character },
    })) as { items?: CompletionItem[] } | CompletionItem[] | null;
    return Array.isArray(result) ? result : (result?.items ?? []);
  }

  async hover(uri: string, line: number, character: number): Promise<string> {
    const result = (await this.request('textDocument/hover', {
      textDocument: { uri },
      position: { line, character },
    })) as { contents?: string | { value: string } } | null;
    const contents = result?.contents;
    return typeof contents === 'string' ? contents : (contents?.value ?? '');
  }

  /** The first diagnostics the server publishes for `uri` (it validates once a document opens). */
  async diagnosticsFor(uri: string): Promise<Diagnostic[]> {
    const deadline = Date.now() + this.timeoutMs;
    while (!this.diagnostics.get(uri)?.length) {
      if (this.exited) throw new Error(this.failure(this.exited));
      if (Date.now() > deadline)
        throw new Error(this.failure(`no diagnostics published for ${uri} within ${this.timeoutMs}ms`));
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 100);
        this.waiters.add(wake);
      });
    }
    return this.diagnostics.get(uri)![0]!;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try {
      await Promise.race([this.request('shutdown', null), new Promise((r) => setTimeout(r, 2000))]);
      this.notify('exit', null);
    } catch {
      // the server is killed below either way
    }
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(kill);
  }

  private request(method: string, params: unknown): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error(this.failure(this.exited)));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(this.failure(`no answer to ${method} within ${this.timeoutMs}ms`)));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.send({ jsonrpc: '2.0', id, method, params });
    });
  }

  private notify(method: string, params: unknown): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  private send(message: Json): void {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, end).toString())?.[1]);
      if (this.buffer.length < end + 4 + length) return;
      const body = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.dispatch(JSON.parse(body) as Json);
    }
  }

  private dispatch(message: Json): void {
    if (typeof message.id === 'number' && !('method' in message)) {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.error) pending.reject(new Error(this.failure(JSON.stringify(message.error))));
      else pending.resolve(message.result);
    } else if ('id' in message) {
      // A request from the server (configuration, registrations, progress): answer it, empty.
      this.send({ jsonrpc: '2.0', id: message.id, result: null });
    } else if (message.method === 'textDocument/publishDiagnostics') {
      const { uri, diagnostics } = message.params as { uri: string; diagnostics: Diagnostic[] };
      const list = this.diagnostics.get(uri) ?? [];
      list.push(diagnostics);
      this.diagnostics.set(uri, list);
      for (const wake of this.waiters) wake();
    }
  }

  private failure(what: string): string {
    return `${what}${this.stderr ? `\nserver stderr:\n${this.stderr}` : ''}`;
  }
}
