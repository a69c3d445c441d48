// A small live line chart: d3 computes scales, ticks and the path; React renders the SVG.
import * as d3 from 'd3';

export interface Series {
  name: string;
  color: string;
  values: number[]; // one per x
}

export function LineChart({ x, series, title, height = 140, log = false, testId }: { x: number[]; series: Series[]; title: string; height?: number; log?: boolean; testId?: string }) {
  const width = 320;
  const m = { top: 18, right: 10, bottom: 22, left: 44 };
  const all = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && (!log || v > 0));
  const xs = d3.scaleLinear().domain(d3.extent(x) as [number, number]).range([m.left, width - m.right]);
  const [lo, hi] = all.length ? (d3.extent(all) as [number, number]) : [0, 1];
  const ys = (log ? d3.scaleLog().domain([Math.max(lo, 1e-6), Math.max(hi, lo * 1.01, 1e-6)]) : d3.scaleLinear().domain([Math.min(0, lo), hi || 1])).nice().range([height - m.bottom, m.top]);
  const line = (values: number[]) =>
    d3
      .line<number>()
      .defined((v) => Number.isFinite(v) && (!log || v > 0))
      .x((_, i) => xs(x[i]))
      .y((v) => ys(v))(values) ?? '';
  // Log scales offer a tick per mantissa; keep about five so labels never overlap.
  const yTicks = ys.ticks(4);
  const every = Math.ceil(yTicks.length / 5);
  return (
    <svg width={width} height={height} className="chart" data-testid={testId} role="img" aria-label={title}>
      <text x={m.left} y={12} className="chart-title">
        {title}
      </text>
      {yTicks.filter((_, i) => i % every === 0).map((t) => (
        <g key={t}>
          <line x1={m.left} x2={width - m.right} y1={ys(t)} y2={ys(t)} className="grid" />
          <text x={m.left - 4} y={ys(t) + 3} textAnchor="end" className="tick">
            {d3.format('.2~g')(t)}
          </text>
        </g>
      ))}
      {xs.ticks(4).map((t) => (
        <text key={t} x={xs(t)} y={height - 6} textAnchor="middle" className="tick">
          {d3.format('~s')(t)}
        </text>
      ))}
      {series.map((s) => (
        <path key={s.name} d={line(s.values)} fill="none" stroke={s.color} strokeWidth={1.5} />
      ))}
    </svg>
  );
}
