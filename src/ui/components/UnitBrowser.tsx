// A set of dashboard units (an SAE's features, or a hook's neurons) in one virtualised list (only the rows in view
// are rendered), sortable by frequency, max activation or index, searchable by index or by a token in the units'
// top examples; features that never fired marked dead, raw units that were never positive marked so (a neuron or
// residual dimension can carry information while negative, so it is not dead).
import { useMemo, useState } from 'react';
import type { FeatureTable } from '../../worker/protocol';
import { cellText } from '../token-label';

const ROW = 26;
const VIEW = 520;

type Sort = 'frequency' | 'max' | 'index';
export type UnitKind = 'feature' | 'neuron';

export interface UnitBrowserProps {
  kind: UnitKind;
  t: Pick<FeatureTable, 'rows' | 'count' | 'maxAct' | 'topToken'>;
  href: (i: number) => string;
  search: { query: string; hits: number[] | null; busy: boolean; note: string };
  onSearch: (query: string) => void;
  height?: number;
}

export function UnitBrowser({ kind, t, href, search, onSearch, height = VIEW }: UnitBrowserProps) {
  const [sort, setSort] = useState<Sort>('frequency');
  const [query, setQuery] = useState(search.query);
  const [top, setTop] = useState(0);
  const order = useMemo(() => {
    if (search.hits) return search.hits.filter((f) => f < t.count.length); // search order: most matching examples first
    const key = sort === 'frequency' ? (f: number) => -t.count[f] : sort === 'max' ? (f: number) => -t.maxAct[f] : (f: number) => f;
    return Array.from(t.count.keys()).sort((a, b) => key(a) - key(b) || a - b);
  }, [t, sort, search.hits]);
  const first = Math.floor(top / ROW);
  const visible = order.slice(first, first + Math.ceil(height / ROW) + 1);
  return (
    <>
      <div className="row">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            onSearch(query);
            setTop(0);
          }}
        >
          <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder={`${kind} index, or a token (e.g. whale)`} aria-label={`search ${kind}s`} data-testid={`${kind}-search`} />
          <button type="submit" data-testid={`${kind}-search-go`}>
            Search
          </button>
        </form>
        <label>
          sort by{' '}
          <select value={sort} onChange={(e) => setSort(e.target.value as Sort)} aria-label={`sort ${kind}s by`} data-testid={`${kind}-sort`} disabled={!!search.hits}>
            <option value="frequency">frequency</option>
            <option value="max">max activation</option>
            <option value="index">index</option>
          </select>
        </label>
        {search.hits && (
          <span data-testid={kind === 'feature' ? 'search-count' : `${kind}-search-count`}>
            {search.busy ? 'searching…' : search.note || `${search.hits.length} matching`}{' '}
            <button
              className="secondary"
              onClick={() => {
                setQuery('');
                onSearch('');
              }}
            >
              clear
            </button>
          </span>
        )}
      </div>
      <div className="feature-list" style={{ height }} onScroll={(e) => setTop(e.currentTarget.scrollTop)} data-testid={`${kind}-list`}>
        <div style={{ height: order.length * ROW, position: 'relative' }}>
          {visible.map((f, i) => (
            <a
              key={f}
              href={href(f)}
              className={t.count[f] === 0 ? 'feature-row dead' : 'feature-row'}
              style={{ top: (first + i) * ROW, height: ROW }}
              data-testid={`${kind}-row`}
              {...{ [`data-${kind}`]: f }}
            >
              <span className="num">#{f}</span>
              <span className="num">{t.count[f] === 0 ? (kind === 'feature' ? 'dead' : 'never positive') : `${((100 * t.count[f]) / t.rows).toFixed(3)}%`}</span>
              <span className="num">{t.maxAct[f].toFixed(3)}</span>
              <span className="tok">{cellText(t.topToken[f])}</span>
            </a>
          ))}
        </div>
      </div>
    </>
  );
}
