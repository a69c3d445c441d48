// A small live line chart: d3 computes scales, ticks and the path; React renders the SVG. Several series may share
// it (training and held-out figures), each on its own x when it has one; a legend names them when there are two or
// more. Each path says what it draws (data-series, data-points) so tests can read the chart without its pixels.
import * as d3 from 'd3';

export interface Series {
  name: string;
  color: string;
  values: number[]; // one per x
  /** Its own x values (a held-out series measured at checkpoints only); default the chart's x. */
  x?: number[];
  /** Dashed, with a dot at each point: a sparse series (few points) stays readable beside a dense one. */
  dots?: boolean;
}

export function LineChart({ x, series, title, height = 140, log = false, testId }: { x: number[]; series: Series[]; title: string; height?: number; log?: boolean; testId?: string }) {
  const width = 320;
  const legend = series.length > 1;
  const m = { top: legend ? 30 : 18, right: 10, bottom: 22, left: 44 };
  const ok = (v: number) => Number.isFinite(v) && (!log || v > 0);
  const all = series.flatMap((s) => s.values).filter(ok);
  const allX = [...x, ...series.flatMap((s) => s.x ?? [])];
  const xs = d3.scaleLinear().domain(d3.extent(allX) as [number, number]).range([m.left, width - m.right]);
  const [lo, hi] = all.length ? (d3.extent(all) as [number, number]) : [0, 1];
  const ys = (log ? d3.scaleLog().domain([Math.max(lo, 1e-6), Math.max(hi, lo * 1.01, 1e-6)]) : d3.scaleLinear().domain([Math.min(0, lo), hi || 1])).nice().range([height - m.bottom, m.top]);
  const line = (s: Series) => {
    const sx = s.x ?? x;
    return (
      d3
        .line<number>()
        .defined(ok)
        .x((_, i) => xs(sx[i]))
        .y((v) => ys(v))(s.values) ?? ''
    );
  };
  // Log scales offer a tick per mantissa; keep about five so labels never overlap.
  const yTicks = ys.ticks(4);
  const every = Math.ceil(yTicks.length / 5);
  return (
    <svg width={width} height={height} className="chart" data-testid={testId} role="img" aria-label={title}>
      <text x={m.left} y={12} className="chart-title">
        {title}
      </text>
      {legend &&
        series.map((s, i) => (
          <g key={s.name} transform={`translate(${m.left + i * 130}, 22)`} data-testid="chart-legend">
            <line x1={0} x2={14} y1={-3} y2={-3} stroke={s.color} strokeWidth={2} strokeDasharray={s.dots ? '3 2' : undefined} />
            <text x={18} y={0} className="tick">
              {s.name}
            </text>
          </g>
        ))}
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
        <g key={s.name} data-series={s.name} data-points={s.values.filter(ok).length} data-last={s.values.at(-1)}>
          <path d={line(s)} fill="none" stroke={s.color} strokeWidth={1.5} strokeDasharray={s.dots ? '4 3' : undefined} />
          {s.dots &&
            s.values.map((v, i) => (ok(v) ? <circle key={i} cx={xs((s.x ?? x)[i])} cy={ys(v)} r={2.5} fill={s.color} /> : null))}
        </g>
      ))}
    </svg>
  );
}
