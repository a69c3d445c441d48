// In-page, independent of the statistics pass: encodes every stored row of the SAE's run with the plain-loop CPU
// encoder (src/sae/sae.ts) straight from IndexedDB, and reports a feature's true maximum, its firing count and
// its highest rows — what the feature page's top examples must show.
import { storedWeights } from './sae-weights';
import { encode } from '../../../src/sae/sae';
import type { SaeConfig, SaeWeights } from '../../../src/sae/sae';
import { saveSaeLens } from '../../../src/sae/saelens';
import { RunReader } from '../../../src/store/reader';
import { openStore } from '../../../src/store/schema';

export async function recomputeFeature(saeId: string, feature: number, n: number): Promise<{ max: number; count: number; top: { row: number; act: number }[]; rows: number }> {
  const db = await openStore();
  try {
    const sae = (await db.get('saes', saeId))!;
    const stats = (await db.get('featureStats', saeId))!;
    const cfg = sae.cfg as unknown as SaeConfig;
    const w = await storedWeights(sae);
    const reader = await RunReader.open(db, stats.runId);
    const acts: { row: number; act: number }[] = [];
    let count = 0;
    let rows = 0;
    for await (const b of reader.batches(cfg.hook_name, 128)) {
      const m = b.rowIndex.length;
      const e = encode(w, cfg, b.rows, m);
      for (let r = 0; r < m; r++) {
        const a = e.acts[r * cfg.d_sae + feature];
        if (a > 0) {
          count++;
          acts.push({ row: b.rowIndex[r], act: a });
        }
      }
      rows += m;
    }
    acts.sort((a, b) => b.act - a.act || a.row - b.row);
    return { max: acts[0]?.act ?? 0, count, top: acts.slice(0, n), rows };
  } finally {
    db.close();
  }
}

/** The id of the only SAE registered in this browser's store (the test registers exactly one). */
export async function onlySaeId(): Promise<string> {
  const db = await openStore();
  try {
    const all = await db.getAll('saes');
    if (all.length !== 1) throw new Error(`expected one SAE, found ${all.length}`);
    return all[0].id;
  } finally {
    db.close();
  }
}

/** A feature whose top examples include a row of corpus file `file` (searching that file's rows from the end). */
export async function featureWithTopRowFrom(saeId: string, file: string): Promise<{ feature: number; row: number } | null> {
  const db = await openStore();
  try {
    const stats = (await db.get('featureStats', saeId))!;
    const s = stats.stats as { topN: number; top: { rows: Uint32Array } };
    const reader = await RunReader.open(db, stats.runId);
    const rowsOfFile = new Set<number>();
    for (let row = reader.run.committedRows - 1; row >= 0; row--) {
      const c = await reader.context(row);
      if (c.file !== file) {
        if (rowsOfFile.size) break;
        continue;
      }
      rowsOfFile.add(row);
    }
    for (let i = 0; i < s.top.rows.length; i++) if (rowsOfFile.has(s.top.rows[i])) return { feature: Math.floor(i / s.topN), row: s.top.rows[i] };
    return null;
  } finally {
    db.close();
  }
}

/** A registered SAE written out as SAELens files (cfg.json text, sae_weights.safetensors as base64). */
export async function saeLensFilesOf(saeId: string): Promise<{ cfg: string; weights: string }> {
  const db = await openStore();
  try {
    const sae = (await db.get('saes', saeId))!;
    const files = saveSaeLens(sae.cfg as unknown as SaeConfig, await storedWeights(sae));
    let bin = '';
    const w = files['sae_weights.safetensors'];
    for (let i = 0; i < w.length; i += 0x8000) bin += String.fromCharCode(...w.subarray(i, i + 0x8000));
    return { cfg: files['cfg.json'], weights: btoa(bin) };
  } finally {
    db.close();
  }
}

/**
 * The rows where RunReader.neighbourIds and the row's own window (RunReader.context) disagree, over the first `n`
 * top-example rows of an SAE's statistics: the search across tokens reads neighbours the first way.
 */
export async function neighbourMismatches(saeId: string, n: number, radius: number): Promise<{ checked: number; mismatches: number[] }> {
  const db = await openStore();
  try {
    const stats = (await db.get('featureStats', saeId))!;
    const reader = await RunReader.open(db, stats.runId);
    const rows = Array.from((stats.stats as { top: { rows: Uint32Array } }).top.rows)
      .filter((r) => r < reader.run.committedRows)
      .slice(0, n);
    const got = await reader.neighbourIds(rows, radius);
    const first = reader.run.skipBos ? 1 : 0; // BOS is no row when skipped
    const mismatches: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const c = await reader.context(rows[i]);
      const want = Array.from({ length: 2 * radius + 1 }, (_, k) => {
        const p = c.position - radius + k;
        const row = rows[i] - radius + k;
        return p >= first && p < c.ids.length && row < reader.run.committedRows ? c.ids[p] : -1;
      });
      if (want.some((id, k) => id !== got[i * (2 * radius + 1) + k])) mismatches.push(rows[i]);
    }
    return { checked: rows.length, mismatches };
  } finally {
    db.close();
  }
}
