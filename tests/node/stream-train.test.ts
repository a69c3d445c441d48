// Stream training (src/stream): SAEs trained on the tiny model's activations streamed from Moby-Dick's chapters.
// (a) It equals a training over the same windows harvested beforehand, batched in the same order (CPU twin:
// bit-identical), for two hooks from one forward. (b) It is reproducible from its seed; a resume from the
// checkpoint at step s (a block boundary, and mid-block) trains exactly the rows after s and ends bit-identical to
// the uninterrupted run; held-out documents never reach a trainer (row provenance); windows trained are counted
// against the corpus.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHeldOutDocument } from '../../src/corpus/held-out';
import { readCorpus } from '../../src/corpus/read';
import { type Gpt2Model, createGpt2Model } from '../../src/model/gpt2';
import type { LoadedGpt2 } from '../../src/model/sources';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { trainSae } from '../../src/sae/train/trainer';
import { type SaeTrainState, trainConfig } from '../../src/sae/train/types';
import { type Window, WindowBuilder } from '../../src/store/windows';
import { blockPermutation } from '../../src/stream/mixer';
import { type StreamTrainOptions, streamTrain } from '../../src/stream/stream-train';
import { TINY_DIR } from '../helpers/checkpoints';
import { mobyChapters } from '../helpers/moby-corpus';

const HOOKS = ['blocks.0.hook_resid_post', 'blocks.2.hook_resid_post'];
const L = 17; // 16 rows a window (BOS skipped)
const B = 32; // two windows a step
const M = 2; //  blocks of two steps: 4 windows
const STEPS = 30;
const HELD = { share: 0.25, seed: 3 };
const files = mobyChapters(8);

let loaded: LoadedGpt2;
let model: Gpt2Model;
beforeAll(async () => {
  loaded = loadGpt2FromDir(TINY_DIR);
  model = await createGpt2Model(loaded.weights, loaded.cfg, { backend: 'wasm', hooks: HOOKS, logits: 'none' });
});
afterAll(() => model?.dispose());

const clone = (s: SaeTrainState): SaeTrainState => structuredClone(s);
const cfg = () => trainConfig({ dIn: 256, dSae: 512, k: 8 });

function options(over: Partial<StreamTrainOptions> = {}): StreamTrainOptions {
  return {
    open: () => readCorpus(files),
    tokenizer: loaded.tokenizer,
    contextLength: L,
    bosTokenId: loaded.cfg.bosTokenId,
    separatorTokenId: loaded.cfg.eosTokenId,
    heldOut: HELD,
    forward: async (ids) => (await model.forward(ids)).hooks,
    forwardBatch: 3, // not a divisor of anything: forward batches straddle steps and blocks
    skipBos: true,
    hooks: HOOKS.map((name) => ({ name, dim: 256, cfg: cfg() })),
    batchSize: B,
    blockSteps: M,
    steps: STEPS,
    schedule: { lr: 3e-3, warmupSteps: 3, decay: 'linear', decayStart: 24 },
    seed: 21,
    ...over,
  };
}

/** The corpus' training windows as an independent packing makes them: each chapter whole, held-out ones left out. */
function referenceWindows(): { train: Window[]; held: number } {
  const wb = new WindowBuilder({ contextLength: L, bosTokenId: loaded.cfg.bosTokenId, separatorTokenId: loaded.cfg.eosTokenId });
  const train: Window[] = [];
  let held = 0;
  files.forEach((f, doc) => {
    if (isHeldOutDocument(doc, HELD)) return void held++;
    train.push(...wb.addTokens(doc, loaded.tokenizer.encode(f.text), 0), ...wb.endDocument(doc));
  });
  return { train: [...train, ...wb.flush()], held };
}

const key = (w: number, p: number) => w * 1000 + p;

describe('stream training', () => {
  it('(a) equals a training over the same windows harvested beforehand, for two hooks from one forward (CPU twin: bit-identical)', async () => {
    const { train: windows, held } = referenceWindows();
    expect(held).toBeGreaterThan(0); // the split holds some chapters out
    const needWindows = (STEPS * B) / (L - 1);
    expect(windows.length).toBeGreaterThanOrEqual(needWindows);
    // Harvest the first needWindows windows, rows in window order, then batch them block by block as the mixer does.
    const rows = new Map(HOOKS.map((h) => [h, new Float32Array(needWindows * (L - 1) * 256)]));
    for (let w = 0; w < needWindows; w += 4) {
      const out = (await model.forward(windows.slice(w, w + 4).map((x) => x.ids))).hooks;
      for (const h of HOOKS) for (let b = 0; b < 4; b++) rows.get(h)!.set(out[h].data.subarray((b * L + 1) * 256, (b + 1) * L * 256), (w + b) * (L - 1) * 256);
    }
    const heldDocs: number[] = [];
    const stream = await streamTrain(options({ onHeldOut: (w) => heldDocs.push(...w.doc.filter((d) => d >= 0)) }));
    for (const h of HOOKS) {
      function* batches() {
        for (let block = 0; ; block++) {
          const perm = blockPermutation(M * B, 21, block);
          for (let j = 0; j < M; j++) {
            const x = new Float32Array(B * 256);
            for (let i = 0; i < B; i++) {
              const r = block * M * B + perm[j * B + i];
              x.set(rows.get(h)!.subarray(r * 256, (r + 1) * 256), i * 256);
            }
            yield x;
          }
        }
      }
      const ref = await trainSae({ batches: batches(), cfg: cfg(), steps: STEPS, schedule: options().schedule, seed: 21, sampleForInit: rows.get(h)!.slice(0, M * B * 256) });
      const got = stream.results.get(h)!;
      expect(got.state.step).toBe(STEPS);
      expect(got.inputScale).toBe(ref.inputScale);
      for (const p of ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const) expect(got.state.params[p]).toEqual(ref.state.params[p]);
      expect(got.history.map((s) => s.loss)).toEqual(ref.history.map((s) => s.loss));
    }
    // Held-out windows went to the callback, and hold only held-out chapters.
    expect(heldDocs.length).toBeGreaterThan(0);
    expect(heldDocs.every((d) => isHeldOutDocument(d, HELD))).toBe(true);
    console.log(`stream (a): ${STEPS} steps × ${B} rows, ${stream.forwardTokens} tokens forwarded in ${stream.forwardMs.toFixed(0)} ms, steps ${stream.trainMs.toFixed(0)} ms`);
  });

  it('(b) is reproducible from its seed, never trains a held-out row, and resumes exactly at a checkpoint', async () => {
    const { train: windows } = referenceWindows();
    const trained = new Map<number, number[]>(); // step → row keys of hook 0
    const checkpoints = new Map<number, { states: Map<string, { state: SaeTrainState; inputScale: number }>; window: number; offset: number }>();
    const full = await streamTrain(
      options({
        checkpointEvery: 1,
        onTrained: (h, step, w, p) => h === HOOKS[0] && trained.set(step, Array.from(w, (x, i) => key(x, p[i]))),
        onCheckpoint: (h, state, inputScale, at) => {
          const c = checkpoints.get(at.step) ?? { states: new Map(), window: at.window, offset: at.windowOffset };
          c.states.set(h, { state: clone(state), inputScale });
          checkpoints.set(at.step, c);
        },
      }),
    );
    // Provenance: every row trained is a non-BOS token of a training window, no row twice, every row of the first
    // STEPS·B/16 training windows trained: the windows trained are exactly the corpus' first ones.
    const all = [...trained.values()].flat();
    expect(trained.size).toBe(STEPS);
    expect(new Set(all).size).toBe(STEPS * B);
    const nWin = (STEPS * B) / (L - 1);
    expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: nWin }, (_, w) => Array.from({ length: L - 1 }, (_, p) => key(w, p + 1))).flat());
    for (const k of all) {
      const w = windows[Math.floor(k / 1000)];
      expect(isHeldOutDocument(w.doc[k % 1000], HELD)).toBe(false);
    }
    // The checkpoint positions count windows: after step s, s·B rows = s·2 windows are trained.
    expect(checkpoints.get(12)).toMatchObject({ window: 24, offset: 0 });
    expect(checkpoints.get(13)).toMatchObject({ window: 26, offset: 0 });

    // Reproducible: the same seed gives the same SAEs; another mixing seed does not.
    const again = await streamTrain(options());
    for (const h of HOOKS) expect(again.results.get(h)!.state.params.W_dec).toEqual(full.results.get(h)!.state.params.W_dec);
    const other = await streamTrain(options({ seed: 22 }));
    expect(other.results.get(HOOKS[0])!.state.params.W_dec).not.toEqual(full.results.get(HOOKS[0])!.state.params.W_dec);

    // Resume at a block boundary (12) and mid-block (13): exactly the rows of steps s… are trained, bit-identically.
    for (const s of [12, 13]) {
      const c = checkpoints.get(s)!;
      const resumed = new Map<number, number[]>();
      const r = await streamTrain(
        options({
          fromStep: s,
          hooks: HOOKS.map((name) => ({ name, dim: 256, cfg: cfg(), resume: c.states.get(name) })),
          onTrained: (h, step, w, p) => h === HOOKS[0] && resumed.set(step, Array.from(w, (x, i) => key(x, p[i]))),
        }),
      );
      expect([...resumed.keys()]).toEqual(Array.from({ length: STEPS - s }, (_, i) => s + i));
      for (const [step, keys] of resumed) expect(keys).toEqual(trained.get(step));
      for (const h of HOOKS) for (const p of ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const) expect(r.results.get(h)!.state.params[p]).toEqual(full.results.get(h)!.state.params[p]);
      // It forwarded from its block's first window on, not from the corpus' start.
      expect(r.forwardTokens).toBeLessThan(full.forwardTokens);
    }
  });
});
