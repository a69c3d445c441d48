// GPU-vs-CPU training cases and their seeded setup (initial state and batches). Imported by the page
// (./sae-train.ts, which trains on WebGPU) and by ../sae-train.test.ts (which trains the CPU twin), so both
// start from bit-identical state and data.
import { initSaeParams } from '../../../src/sae/train/cpu-step';
import { type SaeTrainConfig, type SaeTrainState, type TrainArchitecture, initTrainState, trainConfig } from '../../../src/sae/train/types';
import { rng, uniform } from './kernels-data';

export interface SaeTrainCase {
  name: string;
  seed: number;
  dIn: number;
  dSae: number;
  k: number;
  B: number;
  steps: number;
  lr: number;
  deadTokens: number;
  auxCoef?: number;
  architecture?: TrainArchitecture;
  kCand?: number;
  kAux?: number;
  /** The batchtopk running threshold to start from. */
  threshold?: number;
}

export const SAE_TRAIN_CASES: SaeTrainCase[] = [
  { name: '1 step, d_in 37, d_sae 129, k 5, B 23 (AuxK, half dead)', seed: 1, dIn: 37, dSae: 129, k: 5, B: 23, steps: 1, lr: 1e-3, deadTokens: 40 },
  { name: '5 steps, d_in 37, d_sae 129, k 5, B 23 (AuxK, half dead)', seed: 2, dIn: 37, dSae: 129, k: 5, B: 23, steps: 5, lr: 1e-3, deadTokens: 40 },
  { name: '5 steps, d_in 20, d_sae 300, k 9, B 70, AuxK off', seed: 3, dIn: 20, dSae: 300, k: 9, B: 70, steps: 5, lr: 3e-3, deadTokens: 100, auxCoef: 0 },
  {
    name: '5 steps, batchtopk k 4.5, kCand 11, d_in 37, d_sae 129, B 23 (AuxK, half dead)',
    ...{ seed: 4, dIn: 37, dSae: 129, k: 4.5, kCand: 11, B: 23, steps: 5, lr: 1e-3, deadTokens: 40, architecture: 'batchtopk', threshold: 0.2 },
  },
  {
    name: '5 steps, batchtopk k 3.3, kCand = d_sae 40, d_in 20, B 70, AuxK off',
    ...{ seed: 5, dIn: 20, dSae: 40, k: 3.3, kCand: 40, B: 70, steps: 5, lr: 3e-3, deadTokens: 100, auxCoef: 0, architecture: 'batchtopk' },
  },
  // Past the old 256 top-k limit (research k up to 512): k, k_aux and kCand above 256, d_sae not a multiple of
  // the 256-thread top-k workgroup nor of enc_grad's 16-latent tile.
  { name: '3 steps, k 300, k_aux 260, d_in 40, d_sae 1001, B 9 (AuxK, half dead)', seed: 6, dIn: 40, dSae: 1001, k: 300, kAux: 260, B: 9, steps: 3, lr: 1e-3, deadTokens: 40 },
  {
    name: '3 steps, batchtopk k 150, kCand 600, d_in 40, d_sae 1001, B 9 (AuxK, half dead)',
    ...{ seed: 7, dIn: 40, dSae: 1001, k: 150, kCand: 600, B: 9, steps: 3, lr: 1e-3, deadTokens: 40, architecture: 'batchtopk', threshold: 0.1 },
  },
];

export function caseConfig(c: SaeTrainCase): SaeTrainConfig {
  const { dIn, dSae, k, deadTokens, auxCoef, architecture, kCand, kAux } = c;
  const opt = Object.fromEntries(Object.entries({ auxCoef, architecture, kCand, kAux }).filter(([, v]) => v !== undefined));
  return trainConfig({ dIn, dSae, k, deadTokens, ...opt });
}

/** The starting state (random biases, about half the latents dead) and one batch per step. */
export function caseSetup(c: SaeTrainCase): { state: SaeTrainState; batches: Float32Array[] } {
  const cfg = caseConfig(c);
  const r = rng(c.seed);
  const params = initSaeParams(cfg, c.seed);
  params.b_enc = uniform(r, c.dSae, 0.1);
  params.b_dec = uniform(r, c.dIn, 0.2);
  const state = initTrainState(params);
  if (c.threshold !== undefined) state.threshold = c.threshold;
  for (let l = 0; l < c.dSae; l++) state.sinceFired[l] = Math.floor(r() * 2 * c.deadTokens);
  const batches = Array.from({ length: c.steps }, () => uniform(r, c.B * c.dIn));
  return { state, batches };
}
