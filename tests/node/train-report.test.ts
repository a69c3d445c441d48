// The figures a training reports: a training resumed from a checkpoint reports the steps and tokens of one that ran
// straight through, its tok/s and ETA come from this session's steps over this session's time, and a summary says
// why its faithfulness eval did not run.
import { describe, expect, it } from 'vitest';
import { evalSkipReason, formatDuration, trainRate, trainTotals } from '../../src/worker/train-report';

const BATCH = 256;

describe('training figures across a resume', () => {
  it('a training resumed at step 300 of 600 reports the uninterrupted run’s steps and tokens', () => {
    const straight = trainTotals({ done: 600, steps: 600, startStep: 0, batchSize: BATCH, sessionMs: 20_000, priorMs: 0 });
    const resumed = trainTotals({ done: 600, steps: 600, startStep: 300, batchSize: BATCH, sessionMs: 10_000, priorMs: 10_000 });
    expect(straight).toMatchObject({ steps: 600, tokens: 153_600, resumedAt: null, sessionSteps: 600, seconds: 20 });
    expect(resumed).toMatchObject({ steps: 600, tokens: 153_600, resumedAt: 300, sessionSteps: 300, sessionSeconds: 10, seconds: 20 });
    expect(resumed.tokens).not.toBe(76_800); // what counting only this session's steps once reported
  });

  it('a resume from a checkpoint that did not record its time gives no total time, only this session’s', () => {
    const t = trainTotals({ done: 600, steps: 600, startStep: 300, batchSize: BATCH, sessionMs: 10_000, priorMs: null });
    expect(t).toMatchObject({ steps: 600, tokens: 153_600, seconds: null, sessionSeconds: 10 });
  });

  it('a training stopped early counts the steps it took', () => {
    expect(trainTotals({ done: 417, steps: 600, startStep: 300, batchSize: BATCH, sessionMs: 3_900, priorMs: 10_000 })).toMatchObject({ steps: 417, tokens: 417 * BATCH, sessionSteps: 117 });
  });

  it('tok/s is this session’s steps over this session’s time, not all steps over it', () => {
    // One step after resuming at 300, 10 ms in: 256 rows in 10 ms, not 301 steps' rows.
    const r = trainRate({ done: 301, steps: 600, startStep: 300, batchSize: BATCH, sessionMs: 10, priorMs: 10_000 });
    expect(r.tokensPerSecond).toBeCloseTo(25_600, 6);
    expect(r.etaSeconds).toBeCloseTo(2.99, 6); // 299 steps left at 100 steps/s
    const straight = trainRate({ done: 400, steps: 600, startStep: 0, batchSize: BATCH, sessionMs: 8_000, priorMs: 0 });
    expect(straight.tokensPerSecond).toBeCloseTo(12_800, 6);
    expect(straight.etaSeconds).toBeCloseTo(4, 6);
  });

  it('has no rate before the session’s first step, and no time left once done', () => {
    expect(trainRate({ done: 300, steps: 600, startStep: 300, batchSize: BATCH, sessionMs: 0, priorMs: 0 })).toEqual({ tokensPerSecond: null, etaSeconds: null });
    expect(trainRate({ done: 600, steps: 600, startStep: 300, batchSize: BATCH, sessionMs: 5_000, priorMs: 0 }).etaSeconds).toBe(0);
  });

  it('formats durations', () => {
    expect([0.4, 45, 59.6, 184, 3600, 7505].map(formatDuration)).toEqual(['0 s', '45 s', '1 min 00 s', '3 min 04 s', '1 h 00 min', '2 h 05 min']);
  });
});

describe('why a training’s faithfulness eval did not run', () => {
  it('says what to load, and is null when the eval can run', () => {
    expect(evalSkipReason(null, 'tiny-gpt2')).toBe(
      'the faithfulness eval did not run: no model is loaded. Load tiny-gpt2 (the model of the training run), then run the faithfulness eval',
    );
    expect(evalSkipReason({ id: 'gpt2', hasWeights: true, sameModel: false }, 'tiny-gpt2')).toBe(
      'the faithfulness eval did not run: the training run holds activations of tiny-gpt2 and gpt2 is loaded. Load tiny-gpt2, then run the faithfulness eval',
    );
    expect(evalSkipReason({ id: 'tiny-gpt2', hasWeights: false, sameModel: true }, 'tiny-gpt2')).toMatch(/needs tiny-gpt2's weights and a pre-built \.onnx is loaded/);
    expect(evalSkipReason({ id: 'tiny-gpt2', hasWeights: true, sameModel: true }, 'tiny-gpt2')).toBeNull();
  });
});
