// A run harvested from a Hugging Face dataset, driven through the page: the "Hugging Face dataset" source pointed at
// the local Hub lookalike, tokenized as SAELens packs it and harvested. The stored windows equal an independent
// SAELens packing of the same rows (computed here in Node), the run records the dataset, and the lookalike's log
// shows the Parquet was read by Range (never whole).
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { SaeLensPacker } from '../../src/store/saelens-pack';
import { TINY_DIR } from '../helpers/checkpoints';
import { type DatasetFixtures, writeDatasetFixtures } from '../helpers/dataset-fixtures';
import { type HubServer, startHubServer } from '../helpers/hub-server';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { modelReady } from './lab';

const CONTEXT = 16;
const MAX_TOKENS = 400;
const HOOK = 'blocks.1.hook_resid_post';

let fx: DatasetFixtures;
let hub: HubServer;
let app: OpenedPage;

beforeAll(async () => {
  fx = writeDatasetFixtures();
  hub = await startHubServer(fx.repos);
});
afterAll(async () => {
  await app?.close();
  await closeChromium();
  await hub?.close();
  rmSync(fx.root, { recursive: true, force: true });
});

/** SAELens' windows for the rows, stopping as the run does: at the first document boundary with ≥ MAX_TOKENS in full windows. */
function expectedWindows(docs: string[], bos: number): number[][] {
  const tok = loadGpt2FromDir(TINY_DIR).tokenizer;
  const packer = new SaeLensPacker({ contextLength: CONTEXT, beginBatchTokenId: bos, sequenceSeparatorTokenId: bos });
  const out: number[][] = [];
  for (let d = 0; d < docs.length && out.length * CONTEXT < MAX_TOKENS; d++) out.push(...packer.addTokens(d, tok.encode(docs[d]), 0).map((w) => w.ids));
  return out;
}

describe('a run from a Hugging Face dataset', () => {
  it('streams the dataset from the Hub lookalike into SAELens’ windows and harvests them', async () => {
    app = await openPage(`${inject('baseUrl')}/`);
    const { page } = app;
    await modelReady(page);
    await page.getByTestId(`hook-${HOOK}`).check();
    await page.getByTestId('context-length').fill(String(CONTEXT));
    await page.getByTestId('skip-bos').uncheck();
    await page.getByTestId('dataset-hub').fill(hub.url);
    await page.getByTestId('dataset-repo').fill('lab/tiny-text');
    await page.getByTestId('dataset-split').fill('train');
    await page.getByTestId('dataset-column').fill('text');
    await page.getByTestId('dataset-start').fill('0');
    await page.getByTestId('dataset-max-tokens').fill(String(MAX_TOKENS));
    await page.getByTestId('dataset-use').click();
    await expect.poll(() => page.getByTestId('corpus-source').textContent()).toMatch(/lab\/tiny-text \(train\)/);
    const before = hub.log.length;
    await page.getByTestId('start-harvest').click();
    await expect.poll(() => page.getByTestId('run-row').first().getAttribute('data-status'), { timeout: 180_000 }).toBe('done');

    const [summary] = await callInPage<{ id: string }[]>(page, '/tests/browser/pages/store-check.ts', 'runs');
    const dump = await callInPage<Awaited<ReturnType<typeof import('./pages/store-check').dumpRun>>>(page, '/tests/browser/pages/store-check.ts', 'dumpRun', summary.id);
    const { run } = dump;
    const want = expectedWindows([...fx.train[0], ...fx.train[1]], run.bosTokenId);
    expect(want.length).toBeGreaterThan(10);
    expect(dump.windows).toEqual(want);
    expect(run.packing).toBe('saelens');
    expect(run.dataset).toMatchObject({ repo: 'lab/tiny-text', revision: 'main', split: 'train', column: 'text', start: 0, maxTokens: MAX_TOKENS, pretokenized: false });
    expect(run.dataset!.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(run.committedRows).toBe(want.length * CONTEXT); // BOS rows kept (skip BOS off)

    const parquet = hub.log.slice(before).filter((r) => r.path.endsWith('.parquet') && r.method === 'GET');
    expect(parquet.length).toBeGreaterThan(0);
    expect(parquet.every((r) => r.status === 206 && r.range !== null)).toBe(true); // by Range, never whole
    expect(parquet.some((r) => r.path.includes('train-00001'))).toBe(false); // the second shard was never needed
    expect(app.errors).toEqual([]);
  });
});
