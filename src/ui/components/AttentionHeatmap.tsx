// Attention patterns drawn as heatmaps: rows are queries, columns keys, colour the attention weight in [0, 1] (one
// fixed scale for every head, so heads compare at a glance, as CircuitsVis draws them). Cells go to a canvas, one
// pixel per (query, key) scaled up; token labels are SVG text (React text nodes, never HTML).
import * as d3 from 'd3';
import { type MouseEvent, useEffect, useMemo, useRef, useState } from 'react';
import { quoted, tokenLabel } from '../token-label';

const LABEL = { fontFamily: 'ui-monospace, monospace', fontSize: 10, fill: '#444' } as const;

/** 256 RGB colours from white (0) to deep blue (1). */
const LUT = (() => {
  const scale = d3.scaleSequential(d3.interpolateBlues).domain([0, 1]);
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const c = d3.rgb(scale(i / 255));
    lut.set([c.r, c.g, c.b], i * 3);
  }
  return lut;
})();

/** Paints a T×T pattern [query, key] into a T×T canvas (scaled by CSS with crisp pixels). */
function paint(canvas: HTMLCanvasElement, p: Float32Array, T: number): void {
  canvas.width = T;
  canvas.height = T;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(T, T);
  for (let i = 0; i < T * T; i++) {
    const v = Math.round(Math.min(1, Math.max(0, p[i])) * 255) * 3;
    img.data[i * 4] = LUT[v];
    img.data[i * 4 + 1] = LUT[v + 1];
    img.data[i * 4 + 2] = LUT[v + 2];
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** A small unlabelled heatmap for the layer × head grid. */
export function PatternThumb({ p, T, size }: { p: Float32Array; T: number; size: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) paint(ref.current, p, T);
  }, [p, T]);
  return <canvas ref={ref} style={{ width: size, height: size, imageRendering: 'pixelated', display: 'block' }} aria-hidden="true" />;
}

/**
 * One head's pattern, large, with query labels down the left and key labels along the top. Hovering shows the
 * weight; clicking a row picks that query for the arcs view.
 */
export function PatternHeatmap({ p, T, tokens, query, onQuery, title }: { p: Float32Array; T: number; tokens: string[]; query: number; onQuery: (q: number) => void; title: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ q: number; k: number } | null>(null);
  const cell = Math.max(2, Math.min(24, Math.floor(560 / T)));
  const side = cell * T;
  const labels = cell >= 8; // below that, text would overlap: the hover readout names the tokens instead
  const margin = labels ? Math.min(140, 8 + 7 * Math.max(...tokens.map((t) => t.length))) : 4;
  useEffect(() => {
    if (ref.current) paint(ref.current, p, T);
  }, [p, T]);
  const at = (e: MouseEvent) => {
    const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const k = Math.floor((e.clientX - r.left) / cell);
    const q = Math.floor((e.clientY - r.top) / cell);
    return q >= 0 && q < T && k >= 0 && k < T ? { q, k } : null;
  };
  const fmt = useMemo(() => d3.format('.3f'), []);
  return (
    <figure className="attention-heatmap" data-testid="attention-heatmap" data-t={T} style={{ margin: 0 }}>
      <figcaption className="muted">{title}</figcaption>
      <div style={{ display: 'grid', gridTemplateColumns: `${margin}px ${side}px`, gridTemplateRows: `${margin}px ${side}px` }}>
        <div />
        <svg width={side} height={margin} aria-hidden="true">
          {labels &&
            tokens.map((t, k) => (
              <text key={k} transform={`translate(${k * cell + cell / 2 + 3},${margin - 4}) rotate(-60)`} style={LABEL}>
                {tokenLabel(t)}
              </text>
            ))}
        </svg>
        <svg width={margin} height={side} aria-hidden="true">
          {labels &&
            tokens.map((t, q) => (
              <text key={q} x={margin - 4} y={q * cell + cell / 2 + 4} textAnchor="end" style={{ ...LABEL, fontWeight: q === query ? 700 : 400 }}>
                {tokenLabel(t)}
              </text>
            ))}
        </svg>
        <div style={{ position: 'relative', width: side, height: side, cursor: 'crosshair' }} onMouseMove={(e) => setHover(at(e))} onMouseLeave={() => setHover(null)} onClick={(e) => {
          const h = at(e);
          if (h) onQuery(h.q);
        }}>
          <canvas ref={ref} style={{ width: side, height: side, imageRendering: 'pixelated', display: 'block' }} role="img" aria-label={`${title}: attention from each query (row) to each key (column)`} />
          <div style={{ position: 'absolute', left: 0, top: query * cell, width: side, height: cell, outline: '1px solid #e8710a', pointerEvents: 'none' }} />
        </div>
      </div>
      <p className="muted" data-testid="attention-hover" style={{ minHeight: '1.2em', margin: '0.3rem 0' }}>
        {hover
          ? `query ${hover.q} ${quoted(tokens[hover.q])} → key ${hover.k} ${quoted(tokens[hover.k])}: ${fmt(p[hover.q * T + hover.k])}`
          : 'hover a cell for its weight; click a row to draw that query’s arcs'}
      </p>
    </figure>
  );
}
