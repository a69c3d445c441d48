// The toy model's feature directions in its hidden plane: column i of W [m, n] as a line from the origin (solid,
// coloured by importance, labelled), an SAE's decoder rows drawn over them (dashed). For m > 2 the first two hidden
// dimensions are drawn (a projection); for m = 1 the line.
import * as d3 from 'd3';

export interface ToyPlotProps {
  W: ArrayLike<number>; // [m, n]
  n: number;
  m: number;
  importance: ArrayLike<number>; // [n]
  /** SAE decoder rows [d_sae, m] (unit norm), drawn dashed; `matched` latents stronger. */
  decoder?: ArrayLike<number> | null;
  matched?: Set<number>;
  size?: number;
}

const importanceColor = d3.scaleSequential(d3.interpolateViridis).domain([1, 0]);

export function ToyPlot({ W, n, m, importance, decoder, matched, size = 340 }: ToyPlotProps) {
  const at = (j: number, i: number) => (j < m ? W[j * n + i] : 0);
  const norms = Array.from({ length: n }, (_, i) => Math.hypot(at(0, i), at(1, i)));
  const maxNorm = Math.max(0, ...norms);
  // A fixed frame while norms stay near 1, so the animation does not zoom at every snapshot.
  const R = Math.max(1.25, 1.15 * maxNorm);
  const pad = 18;
  const s = d3.scaleLinear().domain([-R, R]).range([pad, size - pad]);
  const sy = d3.scaleLinear().domain([-R, R]).range([size - pad, pad]);
  const ticks = s.ticks(5);
  const dSae = decoder ? decoder.length / m : 0;
  const decLen = maxNorm > 0 ? maxNorm : 1;
  return (
    <svg width={size} height={size} className="chart" role="img" aria-label="feature directions in the hidden plane" data-testid="toy-plot">
      {ticks.map((t) => (
        <g key={t}>
          <line x1={s(t)} x2={s(t)} y1={pad} y2={size - pad} className="grid" />
          <line x1={pad} x2={size - pad} y1={sy(t)} y2={sy(t)} className="grid" />
          <text x={s(t)} y={size - 4} textAnchor="middle" className="tick">
            {d3.format('~g')(t)}
          </text>
        </g>
      ))}
      <circle cx={s(0)} cy={sy(0)} r={s(1) - s(0)} fill="none" stroke="#ccc" strokeDasharray="2 3" />
      {Array.from({ length: n }, (_, i) => {
        const x = at(0, i);
        const y = at(1, i);
        const c = importanceColor(importance[i]);
        const out = norms[i] > 0 ? (norms[i] + 0.12 * R) / norms[i] : 1;
        return (
          <g key={i} data-testid="toy-direction" data-feature={i}>
            <line x1={s(0)} y1={sy(0)} x2={s(x)} y2={sy(y)} stroke={c} strokeWidth={2.5} />
            <circle cx={s(x)} cy={sy(y)} r={4} fill={c} />
            <text x={s(x * out)} y={sy(y * out) + 4} textAnchor="middle" className="tick" style={{ fontSize: 11, fill: '#222' }}>
              {i}
            </text>
          </g>
        );
      })}
      {Array.from({ length: dSae }, (_, l) => {
        const x = decoder![l * m] * decLen;
        const y = (m > 1 ? decoder![l * m + 1] : 0) * decLen;
        const strong = matched?.has(l) ?? false;
        return (
          <line key={`d${l}`} x1={s(0)} y1={sy(0)} x2={s(x)} y2={sy(y)} stroke={strong ? '#b3261e' : '#e0a0a0'} strokeWidth={strong ? 2 : 1} strokeDasharray="6 4" data-testid="toy-sae-direction" />
        );
      })}
    </svg>
  );
}
