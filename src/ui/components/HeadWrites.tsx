// "Heads that write this feature", on a feature page of an SAE on the residual stream or hook_attn_out: on demand,
// per (layer, head) the mean over the feature's top examples of the head's output z · W_O[h] at the example's
// position, projected on the feature's encoder column W_enc[:, f]: a diverging d3 heatmap and the five largest.
import * as d3 from 'd3';
import { writingLayers } from '../../analysis/head-writes';
import type { FeaturePageData } from '../../worker/protocol';
import { headWritesKey, loadHeadWrites, useAttention } from '../attention-store';
import { useLab } from '../store';

const CELL = 34;

export function HeadWrites({ saeId, feature, p }: { saeId: string; feature: number; p: FeaturePageData }) {
  const model = useLab((s) => s.model);
  const w = useAttention((s) => s.writes[headWritesKey(saeId, feature)]);
  const range = writingLayers(p.hook);
  if (!range) return null; // MLP or attention-internal hooks: heads do not write the SAE's input directly
  const rows = p.top.map((e) => e.row);
  return (
    <section data-testid="feature-head-writes-section">
      <h3>Heads that write this feature</h3>
      <p className="muted">
        Layers {range.from === range.to ? range.from : `${range.from}–${range.to}`} feed {p.hook}. For each of the {rows.length} top examples, each head's output z · W_O[h] at the example's token,
        projected on the feature's encoder direction W_enc[:, {feature}]; the mean over the examples (b_O and the other components left out).
      </p>
      <button onClick={() => void loadHeadWrites({ saeId, feature, runId: p.runId, rows })} disabled={!model || !rows.length || w?.state === 'running'} data-testid="feature-head-writes">
        {w?.state === 'running' ? 'Computing…' : w?.state === 'done' ? 'Recompute head writes' : 'Show heads that write this feature'}
      </button>
      {!model && <span className="muted"> (load the SAE's model first)</span>}
      {w?.state === 'error' && (
        <div className="error" role="alert">
          {w.message}
        </div>
      )}
      {w?.state === 'done' && <HeadWritesChart layers={w.view.layers} nHead={w.view.nHead} mean={w.view.mean} note={`${w.view.examples} examples · ${w.view.tl}`} />}
    </section>
  );
}

function HeadWritesChart({ layers, nHead, mean, note }: { layers: number[]; nHead: number; mean: number[]; note: string }) {
  const max = Math.max(1e-12, ...mean.map(Math.abs));
  const colour = d3.scaleDiverging(d3.interpolateRdBu).domain([max, 0, -max]); // red positive, blue negative
  const left = 56;
  const top = 18;
  const top5 = mean
    .map((value, i) => ({ layer: layers[Math.floor(i / nHead)], head: i % nHead, value }))
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))
    .slice(0, 5);
  return (
    <div className="charts">
      <svg width={left + nHead * CELL + 4} height={top + layers.length * CELL + 4} className="chart" role="img" aria-label="mean write of each head along the feature's encoder direction, layers by heads" data-testid="head-writes-heatmap">
        {Array.from({ length: nHead }, (_, h) => (
          <text key={h} x={left + h * CELL + CELL / 2} y={12} textAnchor="middle" className="tick">
            h{h}
          </text>
        ))}
        {layers.map((l, r) => (
          <g key={l}>
            <text x={left - 6} y={top + r * CELL + CELL / 2 + 3} textAnchor="end" className="tick">
              layer {l}
            </text>
            {Array.from({ length: nHead }, (_, h) => {
              const value = mean[r * nHead + h];
              return (
                <rect key={h} x={left + h * CELL} y={top + r * CELL} width={CELL - 2} height={CELL - 2} fill={colour(value)} data-testid="head-write-cell" data-layer={l} data-head={h} data-value={value}>
                  <title>{`layer ${l} head ${h}: ${value.toFixed(4)}`}</title>
                </rect>
              );
            })}
          </g>
        ))}
      </svg>
      <table className="logits" data-testid="head-writes-top">
        <caption>largest |mean write|</caption>
        <tbody>
          {top5.map((t) => (
            <tr key={`${t.layer}.${t.head}`} data-testid="head-write-top" data-layer={t.layer} data-head={t.head} data-value={t.value}>
              <td>
                L{t.layer}.H{t.head}
              </td>
              <td className="num">{t.value.toFixed(4)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">{note}</p>
    </div>
  );
}
