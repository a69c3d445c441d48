// npm run bench:stream — stream training (src/stream/) on the wasm + CPU path, in one run:
//  1. per model (the tiny model, and a random checkpoint of GPT-2 small's shape), over the same windows of
//     Moby-Dick: stream-training tokens/s (corpus → tokenizer → forward → block mixer → fast CPU SAE step, end to
//     end) next to forward-only tokens/s (the same windows through the same forward, rows taken) and train-only
//     tokens/s (the same rows, already in memory, through the same SAE steps). "Tokens" are training rows (non-BOS
//     positions) everywhere, so the three read side by side; a stream in this one thread is bounded by
//     1 / (1/forward + 1/train).
//  2. the CPU training step's tokens/s next to the CPU twin's and PyTorch's, for d_in 256 / d_sae 2048 / k 32 and
//     d_in 768 / d_sae 24,576 / k 32: bench/sae-cpu.ts (which runs bench/sae_torch.py, Debian's python3-torch), its
//     lines printed here.
// Options: --models tiny,small  --steps-tiny N (32)  --steps-small N (4)  --batch B (1024)  --context L (128)
//          --no-cpu (skip part 2)  --cpu-args "…" (passed to bench/sae-cpu.ts; default "--steps 2 --twin-batch 256")
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readCorpus } from '../src/corpus/read';
import { type Gpt2Model, createGpt2Model } from '../src/model/gpt2';
import { ort } from '../src/model/runtime';
import { loadGpt2FromDir } from '../src/node/load-dir';
import { fastCpuStepper } from '../src/sae/train/cpu-fast-step';
import { type StepperFactory, trainSae } from '../src/sae/train/trainer';
import { trainConfig } from '../src/sae/train/types';
import { trainingWindows } from '../src/stream/corpus-windows';
import { blockPermutation } from '../src/stream/mixer';
import { streamTrain } from '../src/stream/stream-train';
import { TINY_DIR, gpt2SmallCheckpoint } from '../tests/helpers/checkpoints';
import { mobyChapters } from '../tests/helpers/moby-corpus';

const MODELS: Record<string, { dir: () => string; hook: string; expansion: number }> = {
  tiny: { dir: () => TINY_DIR, hook: 'blocks.2.hook_resid_post', expansion: 8 }, //   d_in 256 → d_sae 2048
  small: { dir: gpt2SmallCheckpoint, hook: 'blocks.6.hook_resid_post', expansion: 32 }, // 768 → 24,576
};
const K = 32;
const FORWARD_BATCH = 8;

interface Figures {
  rows: number;
  streamTps: number;
  forwardTps: number;
  trainTps: number;
  trainStepTps: number; // steps only
  streamForwardTps: number; // the stream's own forward rate (its forward time only)
  streamTrainTps: number; //   and its step rate
}

async function benchModel(name: string, steps: number, B: number, L: number): Promise<Figures> {
  const m = MODELS[name];
  const loaded = loadGpt2FromDir(m.dir());
  const net: Gpt2Model = await createGpt2Model(loaded.weights, loaded.cfg, { backend: 'wasm', hooks: [m.hook], logits: 'none' });
  const files = mobyChapters(40);
  const d = loaded.cfg.nEmbd;
  const cfg = trainConfig({ dIn: d, dSae: d * m.expansion, k: K });
  const M = Math.min(4, steps); // blocks of M steps: the stream forwards exactly the rows it trains
  const rows = steps * B;
  const wopts = { contextLength: L, bosTokenId: loaded.cfg.bosTokenId, separatorTokenId: loaded.cfg.eosTokenId, heldOut: { share: 0.02, seed: 0 } };
  const forward = async (ids: number[][]) => (await net.forward(ids)).hooks;
  try {
    await forward([Array.from({ length: L }, (_, i) => i)]); // warm-up: session, JIT

    // Forward only: the same windows, the same batches of equal length, rows taken out as the stream does.
    const x = new Float32Array(rows * d);
    let got = 0;
    const t0 = performance.now();
    let batch: number[][] = [];
    const take = async () => {
      const out = (await forward(batch))[m.hook].data; // [b, T, d]
      const T = batch[0].length;
      for (let b = 0; b < batch.length && got < rows; b++) {
        const n = Math.min(T - 1, rows - got);
        x.set(out.subarray((b * T + 1) * d, (b * T + 1 + n) * d), got * d);
        got += n;
      }
      batch = [];
    };
    for await (const w of trainingWindows(() => readCorpus(files), loaded.tokenizer, wopts)) {
      if (batch.length && (batch.length === FORWARD_BATCH || batch[0].length !== w.window.ids.length)) await take();
      if (got >= rows) break;
      batch.push(w.window.ids);
    }
    if (got < rows && batch.length) await take();
    const forwardMs = performance.now() - t0;

    // Train only: the same rows in the stream's block order, already in memory.
    const batches: Float32Array[] = [];
    for (let s = 0; s < steps; s++) {
      const perm = blockPermutation(M * B, 0, Math.floor(s / M));
      const xb = new Float32Array(B * d);
      for (let i = 0; i < B; i++) {
        const r = Math.floor(s / M) * M * B + perm[(s % M) * B + i];
        xb.set(x.subarray(r * d, (r + 1) * d), i * d);
      }
      batches.push(xb);
    }
    const schedule = { lr: 2e-3, warmupSteps: 1 };
    await trainSae({ batches: batches.slice(0, 1), cfg, steps: 1, schedule, seed: 0, sampleForInit: x.subarray(0, Math.min(rows, 4096) * d), stepper: fastCpuStepper }); // warm-up: ort sessions
    let stepMs = 0;
    const timedStepper: StepperFactory = (state, c) => {
      const s = fastCpuStepper(state, c);
      return { ...s, step: async (xb, n, lr) => { const t = performance.now(); const out = await s.step(xb, n, lr); stepMs += performance.now() - t; return out; } };
    };
    const t1 = performance.now();
    await trainSae({ batches, cfg, steps, schedule, seed: 0, sampleForInit: x.subarray(0, Math.min(rows, M * B, 4096) * d), stepper: timedStepper });
    const trainMs = performance.now() - t1; // with the init (b_dec's geometric median) and the ort sessions, as the stream's

    // The stream, end to end (corpus read and tokenized again, forward, mixing, steps).
    const t2 = performance.now();
    const r = await streamTrain({
      open: () => readCorpus(files),
      tokenizer: loaded.tokenizer,
      ...wopts,
      forward,
      forwardBatch: FORWARD_BATCH,
      skipBos: true,
      hooks: [{ name: m.hook, dim: d, cfg, stepper: fastCpuStepper }],
      batchSize: B,
      blockSteps: M,
      steps,
      schedule,
      seed: 0,
    });
    const streamMs = performance.now() - t2;
    const streamRows = (r.forwardTokens * (L - 1)) / L; // full windows: L − 1 rows each
    return {
      rows,
      streamTps: rows / (streamMs / 1e3),
      forwardTps: got / (forwardMs / 1e3),
      trainTps: rows / (trainMs / 1e3),
      trainStepTps: rows / (stepMs / 1e3),
      streamForwardTps: streamRows / (r.forwardMs / 1e3),
      streamTrainTps: rows / (r.trainMs / 1e3),
    };
  } finally {
    await net.dispose();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string', default: 'tiny,small' },
      'steps-tiny': { type: 'string', default: '32' },
      'steps-small': { type: 'string', default: '4' },
      batch: { type: 'string', default: '1024' },
      context: { type: 'string', default: '128' },
      'no-cpu': { type: 'boolean', default: false },
      'cpu-args': { type: 'string', default: '--steps 2 --twin-batch 256' },
    },
  });
  const B = Number(values.batch);
  const L = Number(values.context);
  const lines: string[] = [];
  const f0 = (v: number) => v.toFixed(0).padStart(7);
  for (const name of values.models.split(',')) {
    if (!MODELS[name]) throw new Error(`--models: unknown "${name}" (have: ${Object.keys(MODELS).join(', ')})`);
    const steps = Number(values[name === 'tiny' ? 'steps-tiny' : 'steps-small']);
    console.error(`${name}: ${steps} steps of ${B} …`);
    const f = await benchModel(name, steps, B, L);
    const m = MODELS[name];
    const line =
      `${name.padEnd(5)} ${m.hook} → d_sae ×${m.expansion} k ${K}, ${f.rows} rows:  stream ${f0(f.streamTps)} tok/s   forward-only ${f0(f.forwardTps)} tok/s   train-only ${f0(f.trainTps)} tok/s` +
      `   (train-only steps alone ${f0(f.trainStepTps)} tok/s;` +
      ` bound 1/(1/fwd+1/train) ${f0(1 / (1 / f.forwardTps + 1 / f.trainTps))}; inside the stream: forward ${f0(f.streamForwardTps)}, steps ${f0(f.streamTrainTps)} tok/s)`;
    console.error(line);
    lines.push(line);
  }
  let cpu: string[] = [];
  if (!values['no-cpu']) {
    console.error('CPU training step: bench/sae-cpu.ts …');
    const r = spawnSync('npx', ['tsx', resolve(import.meta.dirname, 'sae-cpu.ts'), '--configs', 'tiny,small', ...values['cpu-args'].split(/\s+/).filter(Boolean)], { encoding: 'utf8', maxBuffer: 1 << 22 });
    cpu = r.status === 0 ? r.stdout.trim().split('\n').filter(Boolean) : [`bench/sae-cpu.ts failed: ${(r.stderr || '').trim().split('\n').pop()}`];
  }
  console.log(`\nbench:stream — wasm forward + fast CPU SAE step (Node, ort wasm threads ${ort.env.wasm.numThreads}), context ${L}, forward batch ${FORWARD_BATCH}, SAE batch ${B}; tokens = training rows`);
  for (const l of lines) console.log(l);
  for (const l of cpu) console.log(l);
  process.exit(0); // ort's wasm worker threads keep Node alive
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
