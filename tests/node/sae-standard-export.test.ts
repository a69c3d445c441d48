// A standard (ReLU + L1) SAE trained through the training loop (trainSae: input scale, b_dec init, L1 warm-up)
// and exported as SAELens files: the files say architecture "standard", and the loaded SAE's encoder (src/sae/sae.ts,
// on raw activations) gives the trained activations on s·x.
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/sae/sae';
import { loadSaeLens } from '../../src/sae/saelens';
import { initStandardParams, standardCpuStepper, standardForward, standardTrainConfig } from '../../src/sae/train/standard-step';
import { shuffledBatches, toSaeLens, trainSae } from '../../src/sae/train/trainer';
import { trainConfig } from '../../src/sae/train/types';
import { gaussian, mulberry32 } from '../../src/sae/train/rng';

describe('standard SAE through the training loop', () => {
  it('trains with a falling L0 and exports SAELens files that encode as trained', async () => {
    const dIn = 12;
    const dSae = 36;
    const normal = gaussian(mulberry32(4));
    const rows = Float32Array.from({ length: 2048 * dIn }, () => 3 + 2 * normal()); // offset: b_dec must absorb it
    const std = standardTrainConfig({ dIn, dSae, l1Coefficient: 1, l1WarmupSteps: 20 });
    const loop = trainConfig({ dIn, dSae, k: 1 });
    const r = await trainSae({
      batches: shuffledBatches(rows, dIn, 128, { seed: 1 }),
      cfg: loop,
      steps: 300,
      schedule: { lr: 3e-3 },
      seed: 2,
      sampleForInit: rows.subarray(0, 512 * dIn),
      stepper: standardCpuStepper(std),
      initParams: (seed) => initStandardParams(std, seed),
    });
    const l0 = r.history.map((h) => h.l0 ?? NaN);
    expect(l0.slice(-20).reduce((a, b) => a + b) / 20).toBeLessThan(l0.slice(0, 5).reduce((a, b) => a + b) / 5);
    expect(r.history.at(-1)!.fvu).toBeLessThan(0.9);

    const out = toSaeLens(r.state, loop, { hook_name: 'blocks.0.hook_resid_post', model_name: 'toy', context_size: 8, prepend_bos: true }, r.inputScale, { l1Coefficient: 1 });
    const json = JSON.parse(out.files['cfg.json']);
    expect(json.architecture).toBe('standard');
    const sae = loadSaeLens({ cfgJson: json, weights: out.files['sae_weights.safetensors'] });
    expect(sae.cfg.architecture).toBe('standard');
    const n = 64;
    const raw = rows.subarray(0, n * dIn);
    const got = encode(sae.weights, sae.cfg, raw, n).acts;
    const want = standardForward(r.state.params, raw.map((v) => v * r.inputScale), n, std).acts;
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs(got[i] - want[i]));
      scale = Math.max(scale, Math.abs(want[i]));
    }
    expect(worst).toBeLessThanOrEqual(1e-4 * scale);
  });
});
