// Neuronpedia's views of a whole SAE: every feature's activation density against its log frequency (a scatter),
// and the 2-D UMAP map of all decoder directions (computed in the worker), on canvases with d3 scales. The map
// zooms and pans (d3-zoom), is coloured by log10 firing frequency, and a click opens the nearest feature's page.
import * as d3 from 'd3';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { FeatureTable, SaeMapData } from '../../worker/protocol';
import { loadMap, useFeatures } from '../features-store';
import { featureHref } from '../route';

const DEAD = '#bbb';

/** log10 firing frequency of each feature (−∞ for a dead one). */
const logFreq = (count: ArrayLike<number>, rows: number) => Float64Array.from(count as ArrayLike<number>, (c) => (c > 0 ? Math.log10(c / rows) : Number.NEGATIVE_INFINITY));

function colourOf(lf: Float64Array): (f: number) => string {
  const live = Array.from(lf).filter(Number.isFinite);
  const c = d3.scaleSequential(d3.interpolateViridis).domain([d3.min(live) ?? -1, d3.max(live) ?? 0]);
  return (f) => (Number.isFinite(lf[f]) ? c(lf[f]) : DEAD);
}

function axes(ctx: CanvasRenderingContext2D, x: d3.ScaleLinear<number, number>, y: d3.ScaleLinear<number, number>, w: number, h: number, xl: string, yl: string) {
  ctx.fillStyle = '#555';
  ctx.font = '10px sans-serif';
  ctx.strokeStyle = '#ddd';
  for (const t of x.ticks(5)) {
    ctx.fillText(String(t), x(t) - 6, h - 4);
    ctx.beginPath();
    ctx.moveTo(x(t), y.range()[1]);
    ctx.lineTo(x(t), y.range()[0]);
    ctx.stroke();
  }
  for (const t of y.ticks(4)) {
    ctx.fillText(String(t), 2, y(t) + 3);
    ctx.beginPath();
    ctx.moveTo(x.range()[0], y(t));
    ctx.lineTo(x.range()[1], y(t));
    ctx.stroke();
  }
  ctx.fillText(xl, w / 2 - 60, h - 16);
  ctx.save();
  ctx.translate(10, h / 2 + 60);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(yl, 0, 0);
  ctx.restore();
}

/** Every live feature at (log10 frequency, log10 mean activation when firing); dead ones counted in the caption. */
export function DensityScatter({ t }: { t: FeatureTable }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [drawn, setDrawn] = useState(false);
  const w = 360;
  const h = 240;
  const lf = useMemo(() => logFreq(t.count, t.rows), [t]);
  const live = useMemo(() => Array.from(lf.keys()).filter((f) => Number.isFinite(lf[f]) && t.meanAct[f] > 0), [lf, t]);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const m = { l: 34, r: 8, t: 8, b: 30 };
    const ly = (f: number) => Math.log10(t.meanAct[f]);
    const x = d3.scaleLinear().domain(d3.extent(live, (f) => lf[f]) as [number, number]).nice().range([m.l, w - m.r]);
    const y = d3.scaleLinear().domain(d3.extent(live, ly) as [number, number]).nice().range([h - m.b, m.t]);
    ctx.clearRect(0, 0, w, h);
    axes(ctx, x, y, w, h, 'log10 frequency (share of tokens it fires on)', 'log10 mean activation');
    const colour = colourOf(lf);
    ctx.globalAlpha = live.length > 5000 ? 0.35 : 0.7;
    for (const f of live) {
      ctx.fillStyle = colour(f);
      ctx.fillRect(x(lf[f]) - 1.5, y(ly(f)) - 1.5, 3, 3);
    }
    ctx.globalAlpha = 1;
    setDrawn(true);
  }, [live, lf, t]);
  return (
    <figure className="chart" data-testid="sae-density-scatter" data-points={live.length} data-dead={t.count.length - live.length} data-drawn={drawn}>
      <canvas ref={ref} width={w} height={h} role="img" aria-label="activation density against log frequency of every feature" />
      <figcaption className="muted">
        {live.length.toLocaleString('en-US')} features: log10 mean activation when firing against log10 firing frequency · {(t.count.length - live.length).toLocaleString('en-US')} never fired (not shown)
      </figcaption>
    </figure>
  );
}

const MAP_W = 480;
const MAP_H = 400;
export const MAP_PAD = 12;

/** The map's base scales (before zoom): data domain to canvas pixels. */
export function mapScales(m: Pick<SaeMapData, 'x' | 'y'>, w = MAP_W, h = MAP_H) {
  const x = d3.scaleLinear().domain(d3.extent(m.x) as [number, number]).range([MAP_PAD, w - MAP_PAD]);
  const y = d3.scaleLinear().domain(d3.extent(m.y) as [number, number]).range([h - MAP_PAD, MAP_PAD]);
  return { x, y };
}

function paintMap(ctx: CanvasRenderingContext2D, m: SaeMapData, px: Float64Array, py: Float64Array, tr: d3.ZoomTransform, colour: (f: number) => string) {
  ctx.clearRect(0, 0, MAP_W, MAP_H);
  const r = m.dSae > 5000 ? 1.2 : 2.5;
  for (let f = 0; f < m.dSae; f++) {
    ctx.fillStyle = colour(f);
    ctx.beginPath();
    ctx.arc(tr.applyX(px[f]), tr.applyY(py[f]), r, 0, 2 * Math.PI);
    ctx.fill();
  }
}

export function SaeMap({ saeId }: { saeId: string }) {
  const map = useFeatures((s) => s.map);
  const mapLoading = useFeatures((s) => s.mapLoading);
  const mapError = useFeatures((s) => s.mapError);
  const ref = useRef<HTMLCanvasElement>(null);
  const m = map?.saeId === saeId ? map : null;
  useEffect(() => {
    void loadMap(saeId);
  }, [saeId]);
  const base = useMemo(() => {
    if (!m) return null;
    const s = mapScales(m);
    const px = Float64Array.from(m.x, (v) => s.x(v));
    const py = Float64Array.from(m.y, (v) => s.y(v));
    return { s, px, py, tree: d3.quadtree<number>().x((f) => px[f]).y((f) => py[f]).addAll(Array.from({ length: m.dSae }, (_, f) => f)), colour: colourOf(logFreq(m.count, m.rows)) };
  }, [m]);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || !m || !base) return;
    let tr = d3.zoomIdentity;
    paintMap(ctx, m, base.px, base.py, tr, base.colour);
    const zoom = d3.zoom<HTMLCanvasElement, unknown>().scaleExtent([1, 64]).on('zoom', (e: d3.D3ZoomEvent<HTMLCanvasElement, unknown>) => {
      tr = e.transform;
      canvas.dataset.zoom = String(tr.k);
      paintMap(ctx, m, base.px, base.py, tr, base.colour);
    });
    const sel = d3.select(canvas).call(zoom);
    // A click (d3-zoom lets one through when the pointer did not move) opens the nearest feature within 8 px.
    const onClick = (ev: MouseEvent) => {
      const rect = canvas.getBoundingClientRect();
      const [bx, by] = tr.invert([ev.clientX - rect.left, ev.clientY - rect.top]);
      const f = base.tree.find(bx, by, 8 / tr.k);
      if (f !== undefined) window.location.hash = featureHref(saeId, f);
    };
    canvas.addEventListener('click', onClick);
    return () => {
      sel.on('.zoom', null);
      canvas.removeEventListener('click', onClick);
    };
  }, [m, base, saeId]);
  const state = m ? 'ready' : mapError ? 'error' : mapLoading ? 'loading' : 'idle';
  return (
    <figure className="chart" data-testid="sae-feature-map" data-state={state} data-points={m?.dSae ?? 0}>
      {m ? (
        <canvas ref={ref} width={MAP_W} height={MAP_H} role="img" aria-label="UMAP map of every decoder direction; click a point to open its feature" style={{ cursor: 'crosshair', touchAction: 'none' }} />
      ) : (
        <p className="muted">{mapError ? mapError : 'Computing the map of decoder directions (UMAP, in the worker)…'}</p>
      )}
      {m && (
        <figcaption className="muted">
          UMAP of all {m.dSae.toLocaleString('en-US')} decoder directions (cosine neighbours, seeded; {m.seconds.toFixed(1)} s) · colour: log10 firing frequency, grey never fired · scroll to zoom, drag to pan,
          click a point to open its feature
        </figcaption>
      )}
    </figure>
  );
}
