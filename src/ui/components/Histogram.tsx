// A bar histogram over equal bins of (0, max]: d3 scales, React bars, a tooltip per bar.
import * as d3 from 'd3';

export function Histogram({ counts, max, title, testId, width = 360, height = 150 }: { counts: number[]; max: number; title: string; testId?: string; width?: number; height?: number }) {
  const m = { top: 18, right: 10, bottom: 22, left: 40 };
  const x = d3.scaleLinear().domain([0, max || 1]).range([m.left, width - m.right]);
  const y = d3.scaleLinear().domain([0, Math.max(1, ...counts)]).nice().range([height - m.bottom, m.top]);
  const step = (max || 1) / Math.max(1, counts.length);
  return (
    <svg width={width} height={height} className="chart" data-testid={testId} role="img" aria-label={title}>
      <text x={m.left} y={12} className="chart-title">
        {title}
      </text>
      {y.ticks(4).map((t) => (
        <g key={t}>
          <line x1={m.left} x2={width - m.right} y1={y(t)} y2={y(t)} className="grid" />
          <text x={m.left - 4} y={y(t) + 3} textAnchor="end" className="tick">
            {d3.format('~s')(t)}
          </text>
        </g>
      ))}
      {counts.map((c, i) => (
        <rect key={i} x={x(i * step) + 0.5} width={Math.max(0, x((i + 1) * step) - x(i * step) - 1)} y={y(c)} height={y(0) - y(c)} fill="#e8710a">
          <title>
            {c} rows with activation in [{(i * step).toFixed(3)}, {((i + 1) * step).toFixed(3)}{i === counts.length - 1 ? ']' : ')'}
          </title>
        </rect>
      ))}
      {x.ticks(5).map((t) => (
        <text key={t} x={x(t)} y={height - 6} textAnchor="middle" className="tick">
          {d3.format('.2~g')(t)}
        </text>
      ))}
    </svg>
  );
}
