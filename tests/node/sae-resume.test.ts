// Checkpoint and resume: stopping after N steps, keeping the checkpoint, and resuming over the same data
// gives bit-identical parameters to training straight through (CPU twin and fast CPU step; seeded), and a
// checkpoint of one CPU step resumes on the other (same state layout).
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/random';
import { fastCpuStepper } from '../../src/sae/train/cpu-fast-step';
import { type StepperFactory, cpuStepper, shuffledBatches, trainSae } from '../../src/sae/train/trainer';
import { PARAM_NAMES, type SaeTrainState, trainConfig } from '../../src/sae/train/types';
import { assertClose } from '../reference/compare';

const D = 12;
const rand = mulberry32(3);
const rows = Float32Array.from({ length: 400 * D }, () => rand() * 2 - 1);
const cfg = trainConfig({ dIn: D, dSae: 24, k: 3 });
const schedule = { lr: 5e-3, warmupSteps: 5, decay: 'linear' as const };

function skip<T>(it: Iterable<T>, n: number): Iterable<T> {
  const src = it[Symbol.iterator]();
  for (let i = 0; i < n; i++) src.next();
  return { [Symbol.iterator]: () => src };
}

function clone(s: SaeTrainState): SaeTrainState {
  return structuredClone(s);
}

const STEPPERS: [string, StepperFactory][] = [
  ['CPU twin', cpuStepper],
  ['fast CPU step', fastCpuStepper],
];

describe('SAE training checkpoints', () => {
  it.each(STEPPERS)('%s: resuming from a checkpoint equals training straight through', async (_, stepper) => {
    const batches = () => shuffledBatches(rows, D, 32, { seed: 9 });
    const straight = await trainSae({ batches: batches(), cfg, steps: 40, schedule, seed: 1, sampleForInit: rows, stepper });

    const checkpoints: { state: SaeTrainState; inputScale: number }[] = [];
    const stop = new AbortController();
    const first = await trainSae({
      batches: batches(),
      cfg,
      steps: 40,
      schedule,
      seed: 1,
      sampleForInit: rows,
      stepper,
      checkpointEvery: 10,
      signal: stop.signal,
      onStats: (step) => step === 24 && stop.abort(), // "the tab closes" during step 25
      onCheckpoint: (state, inputScale) => void checkpoints.push({ state: clone(state), inputScale }),
    });
    expect(first.aborted).toBe(true);
    expect(checkpoints.map((c) => c.state.step)).toEqual([10, 20, 25]);
    const saved = checkpoints[1]; // resume from step 20: the last periodic checkpoint
    const resumed = await trainSae({ batches: skip(batches(), 20), cfg, steps: 40, schedule, seed: 1, sampleForInit: rows, resume: saved, stepper });
    expect(resumed.history).toHaveLength(20);
    expect(resumed.state.step).toBe(40);
    expect(resumed.state.params.W_dec).toEqual(straight.state.params.W_dec);
    expect(resumed.state.params.b_dec).toEqual(straight.state.params.b_dec);
    expect(resumed.state.m.W_enc).toEqual(straight.state.m.W_enc);
    expect(resumed.history.map((h) => h.fvu)).toEqual(straight.history.slice(20).map((h) => h.fvu));
  });

  it('a CPU twin checkpoint resumes on the fast CPU step and ends where the twin ends (within 1e-5)', async () => {
    const batches = () => shuffledBatches(rows, D, 32, { seed: 9 });
    const saved: { state: SaeTrainState; inputScale: number }[] = [];
    const straight = await trainSae({
      batches: batches(),
      cfg,
      steps: 40,
      schedule,
      seed: 1,
      sampleForInit: rows,
      checkpointEvery: 20,
      onCheckpoint: (state, inputScale) => void saved.push({ state: clone(state), inputScale }),
    });
    const resumed = await trainSae({ batches: skip(batches(), 20), cfg, steps: 40, schedule, seed: 1, sampleForInit: rows, resume: saved[0], stepper: fastCpuStepper });
    expect(resumed.state.step).toBe(40);
    for (const name of PARAM_NAMES) assertClose(name, resumed.state.params[name], straight.state.params[name], 1e-5);
    expect(Array.from(resumed.state.sinceFired)).toEqual(Array.from(straight.state.sinceFired));
  });
});
