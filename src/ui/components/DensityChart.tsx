// log10 feature-density histogram: d3 scales, React bars. Never-firing latents get their own bar at the left.
import * as d3 from 'd3';
import type { DensityHistogram } from '../../sae/train/density';

export function DensityChart({ h, testId = 'chart-density' }: { h: DensityHistogram; testId?: string }) {
  const width = 320;
  const height = 140;
  const m = { top: 18, right: 10, bottom: 22, left: 36 };
  const dead = 0.5; // width of the "never fired" bar in decades
  const lo = h.edges[0] - dead - 0.25;
  const x = d3.scaleLinear().domain([lo, h.edges.at(-1)!]).range([m.left, width - m.right]);
  const y = d3.scaleLinear().domain([0, Math.max(1, h.zero, ...h.counts)]).nice().range([height - m.bottom, m.top]);
  return (
    <svg width={width} height={height} className="chart" data-testid={testId} role="img" aria-label="feature density histogram">
      <text x={m.left} y={12} className="chart-title">
        log10 feature density ({h.tokens} tokens) · {h.zero} never fired
      </text>
      {y.ticks(4).map((t) => (
        <g key={t}>
          <line x1={m.left} x2={width - m.right} y1={y(t)} y2={y(t)} className="grid" />
          <text x={m.left - 4} y={y(t) + 3} textAnchor="end" className="tick">
            {t}
          </text>
        </g>
      ))}
      <rect x={x(lo)} width={x(lo + dead) - x(lo)} y={y(h.zero)} height={y(0) - y(h.zero)} fill="#b3261e" data-testid="density-dead-bar">
        <title>{h.zero} latents never fired</title>
      </rect>
      {h.counts.map((c, i) => (
        <rect key={i} x={x(h.edges[i]) + 0.5} width={Math.max(0, x(h.edges[i + 1]) - x(h.edges[i]) - 1)} y={y(c)} height={y(0) - y(c)} fill="#3b6fd8">
          <title>
            {c} latents with density 10^[{h.edges[i].toFixed(2)}, {h.edges[i + 1].toFixed(2)})
          </title>
        </rect>
      ))}
      {x.ticks(5).filter((t) => t >= h.edges[0]).map((t) => (
        <text key={t} x={x(t)} y={height - 6} textAnchor="middle" className="tick">
          {t}
        </text>
      ))}
    </svg>
  );
}
