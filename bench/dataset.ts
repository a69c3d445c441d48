// npm run bench:dataset — tokens/s of a Hugging Face dataset → SAELens windows, streamed from the local Hub lookalike
// (Parquet by Range row group, gzip JSON Lines), beside the harvest's forward tokens/s on the tiny model over the
// same windows, in one Chromium page (target: the dataset is never the bottleneck, ratio ≥ 1).
// Options: --backend wasm|webgpu (default wasm) --docs N per dataset (default 6000)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { callInPage, launchChromium, openPage } from '../tests/browser/chromium';
import { TINY_DIR } from '../tests/helpers/checkpoints';
import { jsonl, makeDocs, textParquet } from '../tests/helpers/dataset-fixtures';
import { startHubServer } from '../tests/helpers/hub-server';
import type { DatasetBenchResult } from './pages/dataset-bench';
import { startDevServer } from './util';

function put(root: string, path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), data);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' }, docs: { type: 'string', default: '6000' } } });
  const n = Number(values.docs);
  const root = mkdtempSync(join(tmpdir(), 'bench-datasets-'));
  const docs = makeDocs(n, 42);
  const half = Math.ceil(n / 2);
  put(join(root, 'pq'), 'data/train-00000-of-00002.parquet', textParquet(docs.slice(0, half), 500, 1, 200));
  put(join(root, 'pq'), 'data/train-00001-of-00002.parquet', textParquet(docs.slice(half), 500, 2, 200));
  put(join(root, 'js'), 'train.jsonl.gz', gzipSync(jsonl(docs)));
  const hub = await startHubServer({ 'sse/tiny-gpt2': TINY_DIR, 'datasets/bench/parquet': join(root, 'pq'), 'datasets/bench/jsonl': join(root, 'js') });
  const vite = await startDevServer();
  const browser = await launchChromium();
  const page = await openPage(`${vite.url}/tests/browser/pages/blank.html`, { browser, echo: false });
  try {
    const r = await callInPage<DatasetBenchResult>(page.page, '/bench/pages/dataset-bench.ts', 'benchDataset', {
      hubUrl: hub.url,
      modelRepo: 'sse/tiny-gpt2',
      datasets: ['bench/parquet', 'bench/jsonl'],
      backend: values.backend,
      hook: 'blocks.1.hook_resid_post',
      contextLength: 128,
      batchSize: 8,
      forwardBatches: 40,
    });
    console.log(`\nbench:dataset — ${n} documents per dataset, context 128, tiny model forward on ${r.forward.backend} (batch 8, one hook)`);
    for (const d of r.datasets) {
      console.log(
        `${d.format.padEnd(9)} ${String(d.documents).padStart(6)} docs ${String(d.tokens).padStart(8)} tokens ${(d.bytes / 1024).toFixed(0).padStart(6)} KiB fetched` +
          `   dataset → windows ${d.tokensPerSecond.toFixed(0).padStart(7)} tok/s   vs forward ${(d.tokensPerSecond / r.forward.tokensPerSecond).toFixed(2)}×`,
      );
    }
    console.log(`forward   ${String(r.forward.tokens).padStart(22)} tokens   harvest forward   ${r.forward.tokensPerSecond.toFixed(0).padStart(7)} tok/s`);
  } finally {
    await page.close();
    await browser.close();
    await vite.close();
    await hub.close();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
