// Horizontal bars of signed contributions to a logit: direct logit attribution and activation × gradient per row,
// on one shared scale so the two estimates can be compared at a glance.
import * as d3 from 'd3';

export interface ContributionBar {
  label: string;
  dla: number;
  grad: number;
}

export function ContributionBars({ rows, title, testId, width = 420 }: { rows: ContributionBar[]; title: string; testId?: string; width?: number }) {
  const m = { top: 20, right: 12, bottom: 20, left: 70 };
  const band = 18;
  const height = m.top + m.bottom + rows.length * band;
  const extent = Math.max(1e-9, ...rows.flatMap((r) => [Math.abs(r.dla), Math.abs(r.grad)]));
  const x = d3.scaleLinear().domain([-extent, extent]).nice().range([m.left, width - m.right]);
  const y = (i: number) => m.top + i * band;
  const bar = (v: number) => ({ x: Math.min(x(0), x(v)), width: Math.abs(x(v) - x(0)) });
  return (
    <svg width={width} height={height} className="chart" data-testid={testId} role="img" aria-label={title}>
      <text x={m.left} y={12} className="chart-title">
        {title} — <tspan fill="#1a73e8">DLA</tspan> · <tspan fill="#e8710a">activation × gradient</tspan>
      </text>
      <line x1={x(0)} x2={x(0)} y1={m.top - 2} y2={height - m.bottom} className="grid" />
      {rows.map((r, i) => (
        <g key={r.label}>
          <text x={m.left - 4} y={y(i) + 12} textAnchor="end" className="tick">
            {r.label}
          </text>
          <rect {...bar(r.dla)} y={y(i) + 2} height={7} fill="#1a73e8">
            <title>{`${r.label}: DLA ${r.dla.toFixed(4)}`}</title>
          </rect>
          <rect {...bar(r.grad)} y={y(i) + 9} height={7} fill="#e8710a">
            <title>{`${r.label}: activation × gradient ${r.grad.toFixed(4)}`}</title>
          </rect>
        </g>
      ))}
      {x.ticks(5).map((t) => (
        <text key={t} x={x(t)} y={height - 6} textAnchor="middle" className="tick">
          {d3.format('.2~g')(t)}
        </text>
      ))}
    </svg>
  );
}
