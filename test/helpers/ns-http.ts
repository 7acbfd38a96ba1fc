/**
 * HTTP requests made from inside a network namespace (the daemon's HTTP server listens on the
 * namespace's loopback): a short Node.js child under `ip netns exec` fetches the URL and prints
 * the status, content type and body as JSON.
 */
import { execFile } from 'node:child_process';

export interface NsResponse {
  status: number;
  contentType: string;
  body: string;
}

const script = `
const url = process.argv[1];
fetch(url, { signal: AbortSignal.timeout(8000) })
  .then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, contentType: r.headers.get('content-type') ?? '', body: await r.text() })))
  .catch((e) => { process.stderr.write(String(e)); process.exit(1); });
`;

export function nsFetch(ns: string, url: string): Promise<NsResponse> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', ns, process.execPath, '-e', script, url], { encoding: 'utf8', timeout: 10_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`GET ${url} in ${ns}: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as NsResponse);
    });
  });
}

/** `name{labels} value` of a Prometheus exposition, by `name{label="v",...}` exactly as written. */
export function exposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Wait for an async condition, with a deadline (the last error, if any, is in the message). */
export async function until<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${last})` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
