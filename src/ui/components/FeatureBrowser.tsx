// Every feature of an SAE in one virtualised list (only the rows in view are rendered), sortable by frequency,
// max activation or index, searchable by index or by a token in the features' top examples; dead ones marked.
import { useEffect, useMemo, useState } from 'react';
import { loadTable, searchFeatures, useFeatures } from '../features-store';
import { featureHref, inspectHref } from '../route';
import { densityHistogram } from '../../sae/train/density';
import { DensityChart } from './DensityChart';

const ROW = 26;
const VIEW = 520;

type Sort = 'frequency' | 'max' | 'index';

export function FeatureBrowser({ saeId }: { saeId: string }) {
  const { table, search, error, saes } = useFeatures();
  const [sort, setSort] = useState<Sort>('frequency');
  const [query, setQuery] = useState(search.query);
  const [top, setTop] = useState(0);
  useEffect(() => {
    void loadTable(saeId);
  }, [saeId]);
  const t = table?.saeId === saeId ? table : null;
  const order = useMemo(() => {
    if (!t) return [];
    const ids = search.hits ?? Array.from(t.count.keys());
    if (search.hits) return ids.filter((f) => f < t.count.length); // search order: most matching examples first
    const key = sort === 'frequency' ? (f: number) => -t.count[f] : sort === 'max' ? (f: number) => -t.maxAct[f] : (f: number) => f;
    return ids.slice().sort((a, b) => key(a) - key(b) || a - b);
  }, [t, sort, search.hits]);
  const info = saes.find((s) => s.id === saeId);
  const first = Math.floor(top / ROW);
  const visible = order.slice(first, first + Math.ceil(VIEW / ROW) + 1);
  const dead = t ? t.count.reduce((a, c) => a + (c === 0 ? 1 : 0), 0) : 0;
  const density = useMemo(() => (t && t.rows > 0 ? densityHistogram(Float64Array.from(t.count, (c) => c / t.rows), t.rows) : null), [t]);
  return (
    <section className="panel wide" data-testid="feature-browser">
      <div className="row">
        <a href="#/">← lab</a>
        <a href={inspectHref(saeId)}>inspect text</a>
      </div>
      <h2>Features {info && <span className="muted">of {info.name} · {info.hook} · d_sae {info.dSae}</span>}</h2>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {t && (
        <>
          <p className="muted" data-testid="browser-summary">
            {t.count.length.toLocaleString('en-US')} features over {t.rows.toLocaleString('en-US')} tokens · {dead} dead
          </p>
          {density && <DensityChart h={density} testId="chart-feature-density" />}
          <div className="row">
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void searchFeatures(saeId, query);
                setTop(0);
              }}
            >
              <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder="feature index, or a token (e.g. whale)" data-testid="feature-search" />
              <button type="submit" data-testid="feature-search-go">
                Search
              </button>
            </form>
            <label>
              sort by{' '}
              <select value={sort} onChange={(e) => setSort(e.target.value as Sort)} data-testid="feature-sort" disabled={!!search.hits}>
                <option value="frequency">frequency</option>
                <option value="max">max activation</option>
                <option value="index">index</option>
              </select>
            </label>
            {search.hits && (
              <span data-testid="search-count">
                {search.busy ? 'searching…' : `${search.hits.length} matching`}{' '}
                <button
                  className="secondary"
                  onClick={() => {
                    setQuery('');
                    void searchFeatures(saeId, '');
                  }}
                >
                  clear
                </button>
              </span>
            )}
          </div>
          <div className="feature-list" style={{ height: VIEW }} onScroll={(e) => setTop(e.currentTarget.scrollTop)} data-testid="feature-list">
            <div style={{ height: order.length * ROW, position: 'relative' }}>
              {visible.map((f, i) => (
                <a
                  key={f}
                  href={featureHref(saeId, f)}
                  className={t.count[f] === 0 ? 'feature-row dead' : 'feature-row'}
                  style={{ top: (first + i) * ROW, height: ROW }}
                  data-testid="feature-row"
                  data-feature={f}
                >
                  <span className="num">#{f}</span>
                  <span className="num">{t.count[f] === 0 ? 'dead' : `${((100 * t.count[f]) / t.rows).toFixed(3)}%`}</span>
                  <span className="num">{t.maxAct[f].toFixed(3)}</span>
                  <span className="tok">{t.topToken[f]}</span>
                </a>
              ))}
            </div>
          </div>
        </>
      )}
    </section>
  );
}
