// The real Hub loader (src/model/sources.ts) over real HTTP, against a local server in the Hub's
// /{repo}/resolve/main/{file} layout, including every failure a researcher can meet.
import { mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelConfigError, ModelFetchError, SafetensorsError, WeightsError } from '../../src/core/errors';
import { loadGpt2FromHub } from '../../src/model/sources';
import { TINY_DIR, randomCheckpoint } from '../helpers/checkpoints';
import { type HubServer, startHubServer } from '../helpers/hub-server';

let hub: HubServer;
const dir = (name: string) => {
  const d = join(tmpdir(), `sse-hub-${process.pid}-${name}`);
  mkdirSync(d, { recursive: true });
  return d;
};

beforeAll(async () => {
  const llama = dir('llama');
  writeFileSync(join(llama, 'config.json'), JSON.stringify({ model_type: 'llama', hidden_size: 64 }));
  const corrupt = dir('corrupt');
  copyFileSync(join(TINY_DIR, 'config.json'), join(corrupt, 'config.json'));
  copyFileSync(join(TINY_DIR, 'tokenizer.json'), join(corrupt, 'tokenizer.json'));
  writeFileSync(join(corrupt, 'model.safetensors'), Buffer.from('<html>this is an error page, not weights</html>'));
  const mismatch = dir('mismatch');
  copyFileSync(join(TINY_DIR, 'model.safetensors'), join(mismatch, 'model.safetensors'));
  copyFileSync(join(TINY_DIR, 'tokenizer.json'), join(mismatch, 'tokenizer.json'));
  writeFileSync(join(mismatch, 'config.json'), JSON.stringify({ model_type: 'gpt2', vocab_size: 8192, n_positions: 256, n_embd: 256, n_layer: 3, n_head: 4 }));
  const noTokenizer = dir('no-tokenizer');
  copyFileSync(join(TINY_DIR, 'config.json'), join(noTokenizer, 'config.json'));
  hub = await startHubServer({
    'openai-community/gpt2': TINY_DIR, // stands in for the real repo: same file layout
    distilgpt2: randomCheckpoint('hub-prefixed-bf16', { n_layer: 2, n_embd: 64, n_head: 4, n_positions: 32, vocab_size: 8192, dtype: 'BF16', prefix: true }),
    'test/llama': llama,
    'test/corrupt': corrupt,
    'test/mismatch': mismatch,
    'test/no-tokenizer': noTokenizer,
  });
});

afterAll(async () => {
  await hub?.close();
});

describe('Hub loader', () => {
  it('downloads config, tokenizer and weights from {repo}/resolve/main/, with progress', async () => {
    const events: { file: string; loaded: number; total: number }[] = [];
    const m = await loadGpt2FromHub('openai-community/gpt2', { hubUrl: hub.url, onProgress: (p) => events.push(p) });
    expect(m.cfg).toMatchObject({ nLayer: 4, nEmbd: 256, vocabSize: 8192 });
    expect(m.tokenizer.decode(m.tokenizer.encode('Call me Ishmael.'))).toBe('Call me Ishmael.');
    expect(hub.requests).toEqual(
      expect.arrayContaining(['config.json', 'tokenizer.json', 'model.safetensors'].map((f) => `/openai-community/gpt2/resolve/main/${f}`)),
    );
    const last = events.filter((e) => e.file === 'model.safetensors').at(-1)!;
    expect(last.loaded).toBe(last.total);
    expect(last.total).toBeGreaterThan(10e6);
  });

  it('accepts single-segment repo ids, the transformer. prefix and BF16 weights', async () => {
    const m = await loadGpt2FromHub('distilgpt2', { hubUrl: hub.url });
    expect(m.cfg.nLayer).toBe(2);
    expect(m.weights.blocks[1].fcW.length).toBe(64 * 256);
  });

  it('follows a redirect to the CDN, as the Hub does for large files', async () => {
    hub.faults.set('openai-community/gpt2/model.safetensors', { fault: 'redirect', times: 1 });
    const m = await loadGpt2FromHub('openai-community/gpt2', { hubUrl: hub.url });
    expect(m.weights.wte.length).toBe(8192 * 256);
  });

  it('names the file and the cause for each failure', async () => {
    const load = (repo: string) => loadGpt2FromHub(repo, { hubUrl: hub.url });
    await expect(load('nobody/nothing')).rejects.toThrow(/config.json: not found \(HTTP 404\) at http:\/\/127\.0\.0\.1:\d+\/nobody\/nothing\/resolve\/main\/config.json/);
    await expect(load('test/no-tokenizer')).rejects.toThrow(/tokenizer.json: not found \(HTTP 404\)/);
    await expect(load('test/llama')).rejects.toThrow(ModelConfigError);
    await expect(load('test/llama')).rejects.toThrow(/model_type "llama"/);
    expect(hub.requests).not.toContain('/test/llama/resolve/main/model.safetensors'); // failed before the big download
    await expect(load('test/corrupt')).rejects.toThrow(SafetensorsError);
    await expect(load('test/mismatch')).rejects.toThrow(WeightsError);
    await expect(load('test/mismatch')).rejects.toThrow(/a 3-layer GPT-2 does not use/);
    await expect(load('not a repo!')).rejects.toThrow(/not a Hub repo id/);

    hub.faults.set('openai-community/gpt2/model.safetensors', { fault: 'truncate:1000000', times: 1 });
    await expect(load('openai-community/gpt2')).rejects.toThrow(/model.safetensors.*(truncated|broke off)/);
    hub.faults.set('openai-community/gpt2/model.safetensors', { fault: 'destroy-mid-body', times: 1 });
    await expect(load('openai-community/gpt2')).rejects.toThrow(/model.safetensors.*(truncated|broke off)/);
    hub.faults.set('openai-community/gpt2/config.json', { fault: 'status500', times: 1 });
    await expect(load('openai-community/gpt2')).rejects.toThrow(/config.json: server error \(HTTP 500\)/);
  });

  it('reports a network error with the address it tried', async () => {
    const err = await loadGpt2FromHub('openai-community/gpt2', { hubUrl: 'http://127.0.0.1:9' }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelFetchError);
    expect(err.message).toMatch(/could not download config.json from http:\/\/127\.0\.0\.1:9\/openai-community\/gpt2\/resolve\/main\/config.json/);
  });
});
