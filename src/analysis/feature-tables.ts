// The feature tables a statistics pass adds to an SAE (SAEDashboard's): nearest features by decoder and by encoder
// cosine (from the SAE file alone), then the correlation pass over the run's rows (./correlations.ts) whose
// feature–feature candidates come from those two tables and from the stats' top examples.
import { type BlockDots, type TopTable, cpuBlockDots, decoderDirections, encoderDirections, nearestByCosine } from './cosines';
import { type FeatureCorrelations, correlationCandidates, correlationPass } from './correlations';
import type { ActsOf, Batches, EncoderSae, FeatureStats } from './feature-pass';

export interface FeatureTables {
  /** The n nearest other features by cosine of decoder rows / of encoder columns [d_sae, n]. */
  nearestDecoder: TopTable;
  nearestEncoder: TopTable;
  correlations: FeatureCorrelations;
  seconds: { cosines: number; correlations: number };
}

export interface FeatureTablesOptions {
  /** Rows kept per table (default 16; the map's UMAP needs 14 nearest decoder neighbours). */
  n: number;
  /** Candidates from shared top examples, per feature (default 16). */
  shared: number;
}

export const DEFAULT_TABLES: FeatureTablesOptions = { n: 16, shared: 16 };

/** Makes the block product over unit directions u [d, dim] (and frees it after). */
export type DotsMaker = (u: Float32Array, d: number, dim: number) => Promise<{ dots: BlockDots; dispose: () => Promise<void> }>;

export const cpuDots: DotsMaker = async (u, d, dim) => ({ dots: cpuBlockDots(u, d, dim), dispose: async () => {} });

/** Exact top-n by cosine of the directions u [d, dim]. */
export async function nearestOf(u: Float32Array, d: number, dim: number, n: number, make: DotsMaker, signal?: AbortSignal): Promise<TopTable> {
  const m = await make(u, d, dim);
  try {
    return await nearestByCosine(d, n, m.dots, undefined, undefined, signal);
  } finally {
    await m.dispose();
  }
}

export async function featureTables(
  sae: EncoderSae,
  stats: FeatureStats,
  batches: Batches,
  acts: ActsOf,
  make: DotsMaker = cpuDots,
  opts: Partial<FeatureTablesOptions> = {},
  onProgress?: (rows: number) => void,
  signal?: AbortSignal,
): Promise<FeatureTables> {
  const o = { ...DEFAULT_TABLES, ...opts };
  const { d_sae: d, d_in: dIn } = sae.cfg;
  const t0 = performance.now();
  const nearestDecoder = await nearestOf(decoderDirections(sae.weights.W_dec, d, dIn), d, dIn, o.n, make, signal);
  const nearestEncoder = await nearestOf(encoderDirections(sae.weights.W_enc, d, dIn), d, dIn, o.n, make, signal);
  const t1 = performance.now();
  const cand = correlationCandidates(d, [nearestDecoder, nearestEncoder], stats.top.rows, stats.topN, o.shared);
  const correlations = await correlationPass({ dIn, dSae: d }, batches, acts, cand, o.n, onProgress, signal);
  return { nearestDecoder, nearestEncoder, correlations, seconds: { cosines: (t1 - t0) / 1000, correlations: (performance.now() - t1) / 1000 } };
}
