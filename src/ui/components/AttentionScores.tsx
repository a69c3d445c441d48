// Per-head summary scores as a sortable table: previous-token, induction and BOS (src/analysis/attention.ts), plus
// the repeated-random-tokens induction score when the view ran that test. Column headers are buttons (aria-sort).
import { useState } from 'react';
import type { AttentionView } from '../../worker/protocol';

type Key = 'head' | 'prevToken' | 'induction' | 'bos' | 'repeated';

const COLUMNS: { key: Key; label: string; title: string }[] = [
  { key: 'prevToken', label: 'previous token', title: 'mean over queries q ≥ 1 of pattern[q, q−1]' },
  { key: 'induction', label: 'induction', title: 'mean, over queries whose token occurred before, of the attention on the tokens right after those occurrences' },
  { key: 'bos', label: 'BOS', title: 'mean over queries of pattern[q, 0]' },
  { key: 'repeated', label: 'induction (repeated tokens)', title: 'BOS + r + r: mean over the second copy of pattern[q, q − |r| + 1]' },
];

const fmt = (v: number | null) => (v === null ? '—' : v.toFixed(3));

export function AttentionScores({ v, selected, onSelect }: { v: AttentionView; selected: { layer: number; head: number } | null; onSelect: (layer: number, head: number) => void }) {
  const [sort, setSort] = useState<{ key: Key; desc: boolean }>({ key: 'head', desc: false });
  const rows = v.scores.map((s, i) => ({ ...s, repeated: v.repeated ? v.repeated.scores[i] : null, index: i }));
  const value = (r: (typeof rows)[number], k: Key): number => (k === 'head' ? r.index : (r[k] ?? -Infinity));
  const sorted = [...rows].sort((a, b) => (sort.desc ? value(b, sort.key) - value(a, sort.key) : value(a, sort.key) - value(b, sort.key)) || a.index - b.index);
  const columns = COLUMNS.filter((c) => c.key !== 'repeated' || v.repeated);
  const by = (key: Key) => setSort((s) => (s.key === key ? { key, desc: !s.desc } : { key, desc: key !== 'head' }));
  const aria = (key: Key) => (sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none');
  return (
    <table className="table" data-testid="attention-scores">
      <caption className="muted">Per-head scores over this sequence (click a header to sort, a row to open the head)</caption>
      <thead>
        <tr>
          <th aria-sort={aria('head')}>
            <button className="link" onClick={() => by('head')} data-testid="attention-sort-head">
              layer.head
            </button>
          </th>
          {columns.map((c) => (
            <th key={c.key} aria-sort={aria(c.key)} title={c.title}>
              <button className="link" onClick={() => by(c.key)} data-testid={`attention-sort-${c.key}`}>
                {c.label}
              </button>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {sorted.map((r) => {
          const isSelected = selected?.layer === r.layer && selected.head === r.head;
          return (
            <tr key={r.index} data-testid="attention-scores-row" data-layer={r.layer} data-head={r.head} aria-selected={isSelected} style={isSelected ? { background: '#fff3e6' } : undefined}>
              <td>
                <button className="link" onClick={() => onSelect(r.layer, r.head)} aria-label={`open layer ${r.layer} head ${r.head}`}>
                  {r.layer}.{r.head}
                </button>
              </td>
              {columns.map((c) => (
                <td key={c.key} className="num" data-score={c.key} data-value={r[c.key] ?? ''}>
                  {fmt(r[c.key])}
                </td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
