// HTTP for dataset streaming: byte ranges and whole-file streams from the Hub, each retried with backoff on a
// network drop or a 5xx, then given up as a DatasetPausedError (the caller pauses; resume re-reads from a cursor).
// Every request's bytes are counted so progress can report them and tests can check what was fetched.
import { LabError, describeError } from '../core/errors';

/** A dataset that cannot be read as asked: unknown repo, split or column, gated, or a format we cannot read. */
export class DatasetError extends LabError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The network failed past its retries. Nothing read so far is lost: resume from the source's cursor. */
export class DatasetPausedError extends LabError {}

export interface HttpOptions {
  token?: string; //      Hub access token (gated/private datasets); sent as Authorization: Bearer
  retries?: number; //    attempts after the first (default 4)
  backoffMs?: number; //  first wait; doubles per retry (default 250)
  signal?: AbortSignal;
  fetch?: typeof fetch; // injectable for Node tests that count requests; default globalThis.fetch
  onBytes?: (n: number) => void; // every body byte received (progress in bytes)
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((ok, fail) => {
    const t = setTimeout(ok, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), fail(signal.reason)), { once: true });
  });

/** Why a response is refused, in words a researcher can act on; null when it is fine. */
export function refusal(res: Response, what: string): DatasetError | null {
  if (res.ok) return null;
  const code = res.headers.get('x-error-code');
  const hubMessage = res.headers.get('x-error-message');
  // The Hub answers 401 RepoNotFound for a repo that does not exist or that this token may not see (huggingface_hub
  // reads it the same way: RepositoryNotFoundError).
  if (code === 'RepoNotFound') {
    return new DatasetError(`${what}: no such dataset repo, or it is private (HTTP ${res.status}). Check the id; for a private dataset enter an access token.`, res.status);
  }
  if (res.status === 401 || res.status === 403 || code === 'GatedRepo') {
    return new DatasetError(
      `${what}: access denied (HTTP ${res.status}${code ? `, ${code}` : ''}). The dataset is gated or private: accept its terms on the Hub and enter an access token.` +
        (hubMessage ? ` Hub says: ${hubMessage}` : ''),
      res.status,
    );
  }
  if (res.status === 404) {
    const which = code === 'RepoNotFound' ? 'no such dataset repo' : code === 'RevisionNotFound' ? 'no such revision' : 'not found';
    return new DatasetError(`${what}: ${which} (HTTP 404). Check the dataset id, revision and split.`, 404);
  }
  return null; // 5xx and others: retryable
}

const retryable = (status: number) => status >= 500 || status === 429 || status === 408;

function headersFor(opts: HttpOptions, extra: Record<string, string> = {}): Record<string, string> {
  return opts.token ? { ...extra, Authorization: `Bearer ${opts.token}` } : extra;
}

/**
 * Runs `attempt` until it succeeds, retrying transient failures with exponential backoff. A DatasetError (4xx:
 * wrong id, no access) is thrown at once; an abort is rethrown; anything else past the retries becomes a pause.
 */
export async function withRetry<T>(what: string, opts: HttpOptions, attempt: () => Promise<T>): Promise<T> {
  const retries = opts.retries ?? 4;
  let wait = opts.backoffMs ?? 250;
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (err instanceof DatasetError || opts.signal?.aborted) throw err;
      if (i >= retries) throw new DatasetPausedError(`${what}: the network failed ${i + 1} times (${describeError(err)}); paused. Resume to continue from the last complete row group.`);
      await sleep(wait, opts.signal);
      wait *= 2;
    }
  }
}

class TransientError extends Error {}

async function get(url: string, what: string, opts: HttpOptions, headers: Record<string, string>): Promise<Response> {
  const res = await (opts.fetch ?? fetch)(url, { headers: headersFor(opts, headers), signal: opts.signal });
  const bad = refusal(res, what);
  if (bad) throw bad;
  if (!res.ok) {
    if (retryable(res.status)) throw new TransientError(`HTTP ${res.status}`);
    throw new DatasetError(`${what}: HTTP ${res.status}`, res.status);
  }
  return res;
}

/** Reads a body whole, checking it is as long as promised (a connection cut before the end is transient). */
async function readAll(res: Response, expected: number | null, opts: HttpOptions): Promise<Uint8Array> {
  const buf = new Uint8Array(await res.arrayBuffer());
  opts.onBytes?.(buf.byteLength);
  if (expected !== null && buf.byteLength !== expected) throw new TransientError(`body cut short (${buf.byteLength} of ${expected} bytes)`);
  return buf;
}

/** JSON from the Hub API, retried. */
export async function fetchJson(url: string, what: string, opts: HttpOptions): Promise<{ body: unknown; res: Response }> {
  return withRetry(what, opts, async () => {
    const res = await get(url, what, opts, {});
    const bytes = await readAll(res, null, opts);
    try {
      return { body: JSON.parse(new TextDecoder().decode(bytes)), res };
    } catch {
      throw new DatasetError(`${what}: the answer is not JSON (is this a Hub address?)`);
    }
  });
}

/** Bytes [start, end) of a file, by HTTP Range; retried, checked for length. */
export async function fetchRange(url: string, start: number, end: number, what: string, opts: HttpOptions): Promise<Uint8Array> {
  return withRetry(what, opts, async () => {
    const res = await get(url, what, opts, { Range: `bytes=${start}-${end - 1}` });
    if (res.status !== 206) {
      await res.body?.cancel();
      throw new DatasetError(`${what}: the server ignored the byte range (HTTP ${res.status}); it cannot stream Parquet by row group`);
    }
    return readAll(res, end - start, opts);
  });
}

/**
 * A file's bytes as a stream from `from` onward (JSON Lines, text). A drop mid-body reconnects with a Range from
 * the last byte received, so the stream the caller sees is seamless; past the retries it errors with a pause.
 */
export function streamFile(url: string, what: string, opts: HttpOptions, from = 0): ReadableStream<Uint8Array> {
  let at = from;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  const open = () =>
    withRetry(what, opts, async () => {
      const res = await get(url, what, opts, at > 0 ? { Range: `bytes=${at}-` } : {});
      if (at > 0 && res.status !== 206) throw new DatasetError(`${what}: the server ignored the byte range (HTTP ${res.status})`);
      return res.body!.getReader();
    });
  let failures = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        reader ??= await open();
        try {
          const r = await reader.read();
          if (r.done) return controller.close();
          at += r.value.byteLength;
          opts.onBytes?.(r.value.byteLength);
          failures = 0;
          return controller.enqueue(r.value);
        } catch (err) {
          reader = null;
          if (opts.signal?.aborted) throw err;
          if (++failures > (opts.retries ?? 4)) throw new DatasetPausedError(`${what}: the connection dropped ${failures} times at byte ${at} (${describeError(err)}); paused`);
          await sleep((opts.backoffMs ?? 250) * 2 ** (failures - 1), opts.signal);
        }
      }
    },
    cancel: () => reader?.cancel(),
  });
}
