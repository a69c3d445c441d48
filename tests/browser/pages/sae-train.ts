// Runs inside the page: trains a case (./sae-train-data.ts) with the WebGPU trainer (src/sae/train/gpu-step.ts)
// and returns the final state and each step's statistics. The CPU twin runs in ../sae-train.test.ts.
import { createGpuTrainer } from '../../../src/sae/train/gpu-step';
import type { SaeTrainState, StepStats } from '../../../src/sae/train/types';
import { type EncodedTensor, encodeTensor } from './kernels-data';
import { device, withErrorScopes } from './kernels-train';
import { type SaeTrainCase, caseConfig, caseSetup } from './sae-train-data';

export interface SaeTrainResult {
  tensors: Record<string, EncodedTensor>;
  stats: StepStats[];
  step: number;
  threshold?: number;
  ms: number;
}

export async function runSaeTrainCase(c: SaeTrainCase): Promise<SaeTrainResult> {
  const d = await device();
  return withErrorScopes(d, c.name, async () => {
    const { state, batches } = caseSetup(c);
    return trainAndDump(createGpuTrainer(d, caseConfig(c), state, c.B), batches, c.lr);
  });
}

/** Trains `trainer` on `batches` at rate `lr`, then returns its state as base64 and each step's statistics. */
export async function trainAndDump<S extends StepStats>(
  trainer: { trainStep(x: Float32Array, lr: number): void; readStats(): Promise<S>; readState(): Promise<SaeTrainState>; destroy(): void },
  batches: Float32Array[],
  lr: number,
): Promise<{ tensors: Record<string, EncodedTensor>; stats: S[]; step: number; threshold?: number; ms: number }> {
  try {
    const t0 = performance.now();
    const stats: S[] = [];
    for (const x of batches) {
      trainer.trainStep(x, lr);
      stats.push(await trainer.readStats());
    }
    const s = await trainer.readState();
    const tensors: Record<string, EncodedTensor> = { sinceFired: encodeTensor(s.sinceFired) };
    for (const [name, t] of Object.entries(s.params)) tensors[name] = encodeTensor(t);
    for (const [name, t] of Object.entries(s.m)) tensors[`m.${name}`] = encodeTensor(t);
    for (const [name, t] of Object.entries(s.v)) tensors[`v.${name}`] = encodeTensor(t);
    return { tensors, stats, step: s.step, threshold: s.threshold, ms: performance.now() - t0 };
  } finally {
    trainer.destroy();
  }
}
