// The training's pause gate (src/worker/sae-jobs.ts): a hold is reported once the trainer stands at the gate, no
// batch passes while held, and a training that ends instead of reaching the gate releases the report.
import { describe, expect, it } from 'vitest';
import { PauseGate } from '../../src/worker/sae-jobs';

async function* numbers(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

describe('PauseGate', () => {
  it('reports a hold once the consumer asks for its next item, and passes nothing until released', async () => {
    const gate = new PauseGate();
    const it = gate.gate(numbers(5));
    expect((await it.next()).value).toBe(0);
    gate.set(true);
    let heldReported = false;
    const held = gate.held(new Promise(() => {})).then(() => (heldReported = true));
    await Promise.resolve();
    expect(heldReported).toBe(false); // the consumer is still "stepping" on item 0
    let got: number | null = null;
    const next = it.next().then((r) => (got = r.value as number));
    await held;
    expect(heldReported).toBe(true);
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(got).toBe(null); // held: item 1 does not pass
    gate.set(false);
    await next;
    expect(got).toBe(1);
  });

  it('resolves at once when not paused, and when the training ends before reaching the gate', async () => {
    const gate = new PauseGate();
    await gate.held(new Promise(() => {}));
    gate.set(true);
    let end = () => {};
    const ended = new Promise<void>((r) => (end = r));
    const held = gate.held(ended);
    end();
    await held; // would hang if only the gate could release it
    expect(gate.paused).toBe(true);
  });
});
