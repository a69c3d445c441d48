// Token-to-token arcs for one query, as CircuitsVis and bertviz draw attention: the tokens in a line, an arc from
// the query to every key it attends to, its width and opacity the attention weight, each key shaded by it.
// Tokens are SVG text; each is a keyboard-focusable button that picks the query.
import { quoted, tokenLabel } from '../token-label';

const CHAR = 7.2; //  px per character of the monospace labels
const PAD = 8;
const MIN_SHOWN = 0.01; // arcs below this weight are left out: they would only be noise

export function AttentionArcs({ p, T, tokens, query, onQuery }: { p: Float32Array; T: number; tokens: string[]; query: number; onQuery: (q: number) => void }) {
  const widths = tokens.map((t) => Math.max(18, tokenLabel(t).length * CHAR + PAD));
  const xs: number[] = [];
  widths.reduce((x, w, i) => ((xs[i] = x + w / 2), x + w), 0);
  const width = widths.reduce((a, b) => a + b, 0);
  const row = p.subarray(query * T, (query + 1) * T);
  const span = Math.max(1, ...Array.from({ length: query + 1 }, (_, k) => Math.abs(xs[query] - xs[k])));
  const arcTop = 90;
  const base = arcTop + 10;
  const height = base + 30;
  return (
    <div style={{ overflowX: 'auto' }} data-testid="attention-arcs">
      <svg width={width} height={height} role="group" aria-label={`attention of query ${query} ${quoted(tokens[query])} to earlier tokens`}>
        {Array.from({ length: query + 1 }, (_, k) => {
          const a = row[k];
          if (a < MIN_SHOWN) return null;
          const x0 = xs[query];
          const x1 = xs[k];
          const h = k === query ? 14 : 10 + (arcTop - 10) * (Math.abs(x0 - x1) / span);
          const d = k === query ? `M ${x0 - 5} ${base} C ${x0 - 10} ${base - h} ${x0 + 10} ${base - h} ${x0 + 5} ${base}` : `M ${x0} ${base} C ${x0} ${base - h} ${x1} ${base - h} ${x1} ${base}`;
          return (
            <path key={k} d={d} fill="none" stroke="#1f5fbf" strokeWidth={1 + 7 * a} strokeOpacity={0.15 + 0.85 * a} data-testid="attention-arc" data-key={k} data-value={a}>
              <title>{`${quoted(tokens[query])} → ${quoted(tokens[k])}: ${a.toFixed(3)}`}</title>
            </path>
          );
        })}
        {tokens.map((t, k) => {
          const a = k <= query ? row[k] : 0;
          const x = xs[k] - widths[k] / 2;
          return (
            <g
              key={k}
              role="button"
              tabIndex={0}
              aria-label={`query ${k} ${quoted(t)}`}
              aria-pressed={k === query}
              onClick={() => onQuery(k)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  onQuery(k);
                } else if (e.key === 'ArrowRight' && k + 1 < T) onQuery(k + 1);
                else if (e.key === 'ArrowLeft' && k > 0) onQuery(k - 1);
              }}
              style={{ cursor: 'pointer' }}
            >
              <rect x={x + 1} y={base + 4} width={widths[k] - 2} height={20} rx={3} fill={`rgba(31, 95, 191, ${a})`} stroke={k === query ? '#e8710a' : '#d5def3'} strokeWidth={k === query ? 2 : 1} />
              <text x={xs[k]} y={base + 18} textAnchor="middle" style={{ fontFamily: 'ui-monospace, monospace', fontSize: 12 }} fill={a > 0.5 ? '#fff' : '#222'}>
                {tokenLabel(t)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
