// Neuronpedia's map of an SAE: every decoder direction placed in 2-D by UMAP (umap-js), seeded so a map is the same
// each time. UMAP's neighbour graph is the exact k nearest by decoder cosine (./cosines.ts, distance 1 − cos) given
// through setPrecomputedKNN, not umap-js's approximate NN-descent: the feature tables already hold it, and NN-descent
// over 24,576 × 768 vectors in JS would cost more than the whole layout. With the graph given, umap-js reads only the
// number of points from its input (umap-js 1.4.0, UMAP.initializeFit / fuzzySimplicialSet), so none are copied.
import { UMAP } from 'umap-js';
import { mulberry32 } from '../core/random';
import type { TopTable } from './cosines';

export interface FeatureMap {
  x: Float32Array; // [d_sae]
  y: Float32Array; // [d_sae]
  seconds: number;
}

export interface FeatureMapOptions {
  seed: number;
  /** UMAP's n_neighbors, the point itself included (≤ the table's n + 1). */
  nNeighbors: number;
  minDist: number;
  /** Default: umap-js's (500 below 10,000 points, else 200). */
  nEpochs?: number;
}

export const DEFAULT_MAP: FeatureMapOptions = { seed: 1, nNeighbors: 15, minDist: 0.1 };

/** UMAP's kNN lists from a nearest-by-cosine table [d, n]: the point itself first (distance 0), then 1 − cos. */
export function knnFromTable(t: TopTable, k: number): { indices: number[][]; distances: number[][] } {
  const d = t.index.length / Math.max(1, t.n);
  const indices: number[][] = [];
  const distances: number[][] = [];
  for (let f = 0; f < d; f++) {
    const ix = [f];
    const ds = [0];
    for (let j = 0; j < t.n && ix.length < k; j++) {
      const g = t.index[f * t.n + j];
      if (g < 0) continue;
      ix.push(g);
      ds.push(Math.max(0, 1 - t.value[f * t.n + j]));
    }
    while (ix.length < k) (ix.push(f), ds.push(0)); // fewer points than k: pad with itself (weight 0 in UMAP)
    indices.push(ix);
    distances.push(ds);
  }
  return { indices, distances };
}

/** The 2-D map of d decoder directions from their nearest-by-decoder-cosine table. onEpoch: return false to stop. */
export async function featureMap(nearest: TopTable, d: number, opts: Partial<FeatureMapOptions> = {}, onEpoch?: (epoch: number, epochs: number) => void, signal?: AbortSignal): Promise<FeatureMap> {
  const o = { ...DEFAULT_MAP, ...opts };
  const t0 = performance.now();
  const k = Math.min(o.nNeighbors, nearest.n + 1, Math.max(2, d - 1));
  if (d <= k) throw new RangeError(`a feature map needs more than ${k} features (this SAE has ${d})`);
  const umap = new UMAP({ nComponents: 2, nNeighbors: k, minDist: o.minDist, nEpochs: o.nEpochs, random: mulberry32(o.seed) });
  const knn = knnFromTable(nearest, k);
  umap.setPrecomputedKNN(knn.indices, knn.distances);
  const placeholders: number[][] = Array.from({ length: d }, () => []);
  const epochs = umap.initializeFit(placeholders);
  for (let e = 0; e < epochs; e++) {
    if (signal?.aborted) throw new DOMException('cancelled', 'AbortError');
    umap.step();
    onEpoch?.(e + 1, epochs);
    // Yield now and then so the worker answers other messages while the layout runs.
    if (e % 10 === 9) await new Promise((r) => setTimeout(r, 0));
  }
  const emb = umap.getEmbedding();
  return { x: Float32Array.from(emb, (p) => p[0]), y: Float32Array.from(emb, (p) => p[1]), seconds: (performance.now() - t0) / 1000 };
}
