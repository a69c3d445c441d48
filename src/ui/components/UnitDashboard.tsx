// The body of a feature or neuron page (SAEDashboard's layout): frequency and activation figures, the activation
// histogram, the top examples as shaded token strips, samples from each activation interval, the ± logit tables;
// and a loadings table relating the unit to units of the other kind (features ↔ neurons) through W_dec.
import type { ReactNode } from 'react';
import type { FeaturePageData, UnitLoading } from '../../worker/protocol';
import { Histogram } from './Histogram';
import { TokenStrip } from './TokenStrip';
import type { UnitKind } from './UnitBrowser';
import { cellText } from '../token-label';

const pct = (x: number) => (x >= 0.001 ? `${(100 * x).toFixed(2)}%` : `${(100 * x).toExponential(1)}%`);

export type UnitPageBody = Pick<FeaturePageData, 'rows' | 'count' | 'maxAct' | 'meanAct' | 'hist' | 'top' | 'bands' | 'logits' | 'logitsNote'>;

function LogitTable({ title, rows, testId }: { title: string; rows: { id: number; token: string; value: number }[]; testId: string }) {
  return (
    <table className="logits" data-testid={testId}>
      <caption>{title}</caption>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i} data-token-id={r.id} data-value={r.value}>
            <td className="tok">{cellText(r.token)}</td>
            <td className="num">{r.value.toFixed(3)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Summary({ kind, p }: { kind: UnitKind; p: UnitPageBody }) {
  return (
    <p data-testid={`${kind}-summary`}>
      {p.count === 0 ? (
        <strong className="dead">
          {kind === 'feature' ? 'dead: never fired' : 'never positive'} in {p.rows.toLocaleString('en-US')} tokens
        </strong>
      ) : (
        <>
          fires on {p.count.toLocaleString('en-US')} of {p.rows.toLocaleString('en-US')} tokens ({pct(p.count / p.rows)}, log10 density {Math.log10(p.count / p.rows).toFixed(2)}) · max activation{' '}
          <span data-testid={`${kind}-max`}>{p.maxAct.toFixed(4)}</span> · mean when firing {p.meanAct.toFixed(4)}
        </>
      )}
    </p>
  );
}

/** Summary, histogram and logit tables, top examples, then the activation intervals; `aside` goes after the charts. */
export function UnitDashboard({ kind, p, logitsCaption, aside }: { kind: UnitKind; p: UnitPageBody; logitsCaption?: string | null; aside?: ReactNode }) {
  return (
    <>
      <Summary kind={kind} p={p} />
      <div className="charts">
        <Histogram counts={p.hist} max={p.maxAct} title="activations (rows where it fires)" testId="chart-activations" />
        {p.logits ? (
          <>
            <LogitTable title="promotes" rows={p.logits.positive} testId="logits-positive" />
            <LogitTable title="suppresses" rows={p.logits.negative} testId="logits-negative" />
          </>
        ) : (
          <p className="muted" data-testid="logits-note">
            {p.logitsNote}
          </p>
        )}
      </div>
      {p.logits && logitsCaption && (
        <p className="muted" data-testid="logits-caption">
          direct logit effects of {logitsCaption}; per unit of ln_f's scale σ, which depends on the whole residual and is held fixed
        </p>
      )}
      {aside}
      <h3>Top activations</h3>
      <div className="strips">
        {p.top.map((ex) => (
          <TokenStrip key={ex.row} ex={ex} scale={p.maxAct} testId="top-example" />
        ))}
      </div>
      {p.bands.map((b, i) => (
        <details key={i} data-testid="band">
          <summary>
            interval [{b.lo.toFixed(3)}, {b.hi.toFixed(3)}{i === 0 ? ']' : ')'}{b.count !== null ? ` · ${b.count.toLocaleString('en-US')} tokens` : ''} · {b.examples.length} samples
          </summary>
          <div className="strips">
            {b.examples.map((ex) => (
              <TokenStrip key={ex.row} ex={ex} scale={p.maxAct} testId="band-example" />
            ))}
          </div>
        </details>
      ))}
    </>
  );
}

/** Units of the other kind that a decoder row relates to this one: W_dec[f, i] and its share of ‖W_dec[f]‖². */
export function LoadingTable({ title, unit, rows, href, testId }: { title: string; unit: string; rows: UnitLoading[]; href: (index: number) => string; testId: string }) {
  return (
    <table className="logits" data-testid={testId}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th>{unit}</th>
          <th className="num">W_dec[f, i]</th>
          <th className="num">share of ‖W_dec[f]‖²</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.index} data-testid="loading" data-index={r.index} data-value={r.value} data-fraction={r.fraction}>
            <td>
              <a href={href(r.index)}>#{r.index}</a>
            </td>
            <td className="num">{r.value.toFixed(4)}</td>
            <td className="num">{(100 * r.fraction).toFixed(1)}%</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
