// In-page, independent of the statistics pass: reads every committed shard of a run's hook straight from
// IndexedDB and ranks one unit's stored values — what a neuron page's top examples must show.
import { neuronSetKey } from '../../../src/analysis/neurons';
import { RunReader } from '../../../src/store/reader';
import { openStore } from '../../../src/store/schema';
import { FeatureJobs } from '../../../src/worker/feature-jobs';

export async function recomputeNeuron(runId: string, hook: string, neuron: number, n: number): Promise<{ max: number; count: number; top: { row: number; act: number }[]; rows: number }> {
  const db = await openStore();
  try {
    const reader = await RunReader.open(db, runId);
    const dim = reader.run.hooks.find((h) => h.name === hook)!.dim;
    const on: { row: number; act: number }[] = [];
    let row = 0;
    for (let s = 0; s < reader.run.committedShards; s++) {
      const shard = await reader.shard(hook, s); // [rows, dim]
      for (let r = 0; r < shard.length / dim; r++, row++) {
        const a = shard[r * dim + neuron];
        if (a > 0) on.push({ row, act: a });
      }
    }
    on.sort((a, b) => b.act - a.act || a.row - b.row);
    return { max: on[0]?.act ?? 0, count: on.length, top: on.slice(0, n), rows: row };
  } finally {
    db.close();
  }
}

/** The id of the only run and the only SAE in this browser's store (the test makes exactly one of each). */
export async function onlyIds(): Promise<{ runId: string; saeId: string }> {
  const db = await openStore();
  try {
    const [runs, saes] = [await db.getAllKeys('runs'), await db.getAllKeys('saes')];
    if (runs.length !== 1 || saes.length !== 1) throw new Error(`expected one run and one SAE, found ${runs.length} and ${saes.length}`);
    return { runId: runs[0], saeId: saes[0] };
  } finally {
    db.close();
  }
}

/** A neuron statistics pass cancelled at its first progress report: what it threw, and whether a record was saved. */
export async function cancelledNeuronPass(runId: string, hook: string): Promise<{ error: string; saved: boolean; progress: number }> {
  const db = await openStore();
  try {
    const jobs = new FeatureJobs();
    let progress = 0;
    const error = await jobs
      .computeNeuronStats(db, { runId, hook }, null, () => {
        progress++;
        jobs.cancel();
      })
      .then(
        () => 'none',
        (err: Error) => `${err.constructor.name}: ${err.message}`,
      );
    return { error, saved: (await db.get('featureStats', neuronSetKey(runId, hook))) !== undefined, progress };
  } finally {
    db.close();
  }
}
