// Attribution of one prediction: a prompt, a target next token, and the SAE's features and the MLP neurons ranked by
// their contribution to the target's logit. The terms table shows the completeness check (Σ DLA = the logit). Each
// row links to its page and has one-click interventions whose effect on the logit appears in the row.
import { useEffect, useState } from 'react';
import type { AttributionRow, AttributionView, InterventionRequest } from '../../worker/protocol';
import { type Effect, attribute, effectKey, runIntervention, useAttribution } from '../attribution-store';
import { describeCut } from '../../core/context-window';
import { attributeHref, browserHref, featureHref, neuronHref, useViewError } from '../route';
import { useLab } from '../store';
import { cellText, quoted } from '../token-label';
import { ContributionBars } from './ContributionBars';

type Sort = 'dla' | 'grad';
type Positions = InterventionRequest['positions'];
type NeuronRow = AttributionView['neurons'][number];

/** The 12 rows with the largest |DLA| or |a×g|, in the table's (signed) order. */
const largest = (rows: AttributionRow[], sort: Sort) => {
  const key = (r: AttributionRow) => Math.abs(sort === 'dla' ? r.dla : r.grad);
  const keep = new Set([...rows].sort((a, b) => key(b) - key(a) || a.index - b.index).slice(0, 12));
  return rows.filter((r) => keep.has(r));
};

const fmt = (v: number) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2));

export function AttributionPage({ saeId, prompt, target }: { saeId: string; prompt: string; target: string | null }) {
  const model = useLab((s) => s.model);
  const { view, busy } = useAttribution();
  const error = useViewError(useAttribution((s) => s.error));
  const [text, setText] = useState(prompt || 'Call me Ishmael. Some years ago');
  const [other, setOther] = useState('');
  const [sort, setSort] = useState<Sort>('dla');
  const [positions, setPositions] = useState<Positions>('last');
  const targetId = target !== null && /^\d+$/.test(target) ? Number(target) : null;

  useEffect(() => {
    // Coming back to a URL already attributed (e.g. from a feature page) shows the result kept in the store.
    const kept = useAttribution.getState().view;
    if (kept && kept.saeId === saeId && kept.prompt === prompt && (targetId === null || kept.target.id === targetId)) return;
    if (model && prompt) void attribute(saeId, prompt, targetId);
  }, [model, saeId, prompt, targetId]);

  const attributeToken = async () => {
    const v = await attribute(saeId, text, other);
    if (v) window.location.hash = attributeHref(saeId, text, v.target.id);
  };

  const go = (t: number | null) => {
    const href = attributeHref(saeId, text, t);
    if (window.location.hash === href) void attribute(saeId, text, t);
    else window.location.hash = href;
  };
  const v = view?.saeId === saeId ? view : null;
  return (
    <section className="panel wide" data-testid="attribution-page">
      <div className="row">
        <a href={browserHref(saeId)}>← all features</a>
      </div>
      <h2>Attribution of a prediction</h2>
      {!model && <p className="muted">Load the SAE's model first (the lab's Model panel).</p>}
      <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} aria-label="prompt to attribute" data-testid="attr-prompt" />
      {model && (
        <p className="muted" data-testid="attr-limit">
          At most {model.cfg.nPositions} tokens: BOS and the prompt's last {model.cfg.nPositions - 1}.
        </p>
      )}
      <div className="row">
        <button onClick={() => go(null)} disabled={!model || busy || !text.trim()} data-testid="attr-run">
          Attribute the top prediction
        </button>
        <input value={other} onChange={(e) => setOther(e.target.value)} placeholder="or a token, e.g. ' whale'" aria-label="target token" data-testid="attr-target-text" />
        <button onClick={() => void attributeToken()} disabled={!model || busy || !other} data-testid="attr-run-token">
          Attribute this token
        </button>
        {busy && <span className="muted">attributing…</span>}
      </div>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {v && <Result v={v} sort={sort} setSort={setSort} positions={positions} setPositions={setPositions} onTarget={go} prompt={text} />}
    </section>
  );
}

function Result(p: { v: AttributionView; sort: Sort; setSort: (s: Sort) => void; positions: Positions; setPositions: (x: Positions) => void; onTarget: (t: number) => void; prompt: string }) {
  const { v, sort } = p;
  const rel = Math.abs(v.dlaSum - v.logit) / Math.max(1, Math.abs(v.logit));
  const order = (rows: AttributionRow[]) => [...rows].sort((a, b) => (sort === 'dla' ? b.dla - a.dla : b.grad - a.grad) || a.index - b.index);
  const features = order(v.features);
  const neurons = order(v.neurons);
  return (
    <>
      {v.cut && (
        <p className="notice" role="status" data-testid="attr-cut">
          {describeCut(v.cut)}.
        </p>
      )}
      <div className="row">
        <span>
          Target after “<bdi className="tok" data-testid="attr-prompt-line">{cellText(v.tokens.slice(1).join(''))}</bdi>”: <b className="tok" data-testid="attr-target">{quoted(v.target.token)}</b>
        </span>
        <span data-testid="attr-logit" data-value={v.logit}>
          logit {v.logit.toFixed(4)}
        </span>
        <span className="muted" data-testid="attr-sum" data-value={v.dlaSum}>
          Σ DLA of all terms {v.dlaSum.toFixed(4)} ({rel <= 1e-4 ? '✓' : '✗'} complete, rel. diff {rel.toExponential(1)}) · float64 forward behind the gradients {v.recomputedLogit.toFixed(4)}
        </span>
      </div>
      <div className="row tight muted">
        Other targets:
        {v.predictions.map((t) => (
          <button key={t.id} className="link" onClick={() => p.onTarget(t.id)} data-testid="attr-prediction">
            <bdi className="tok">{quoted(t.token)}</bdi> {(t.prob * 100).toFixed(1)}%
          </button>
        ))}
      </div>
      <p className="muted">
        At {v.hook}, last position; ln_f scale σ = {v.sigma.toFixed(3)} frozen for DLA. {v.activeFeatures} features active. Features on the {v.device.toUpperCase()}; forward{' '}
        {v.ms.forward.toFixed(0)} ms, gradient {v.ms.gradient.toFixed(0)} ms, features {v.ms.features.toFixed(0)} ms, neurons {v.ms.neurons.toFixed(0)} ms.
      </p>
      <details>
        <summary>Every term of the final residual (completeness)</summary>
        <table className="table" data-testid="attr-terms">
          <thead>
            <tr>
              <th>term</th>
              <th>DLA</th>
              <th>act × grad</th>
            </tr>
          </thead>
          <tbody>
            {v.terms.map((t) => (
              <tr key={t.name}>
                <td>{t.name}</td>
                <td>{fmt(t.dla)}</td>
                <td>{t.grad === null ? '—' : fmt(t.grad)}</td>
              </tr>
            ))}
            <tr>
              <td>
                <b>sum</b>
              </td>
              <td>
                <b>{fmt(v.dlaSum)}</b>
              </td>
              <td />
            </tr>
          </tbody>
        </table>
      </details>
      <div className="row">
        Sort by
        <select value={sort} onChange={(e) => p.setSort(e.target.value as Sort)} aria-label="sort terms by" data-testid="attr-sort">
          <option value="dla">direct logit attribution</option>
          <option value="grad">activation × gradient</option>
        </select>
        Interventions at
        <select value={p.positions} onChange={(e) => p.setPositions(e.target.value as Positions)} aria-label="intervene at" data-testid="attr-positions">
          <option value="last">the last position</option>
          <option value="all">every position</option>
        </select>
      </div>
      <ContributionBars rows={largest(features, sort).map((r) => ({ label: `#${r.index}`, dla: r.dla, grad: r.grad }))} title="Largest features (|value|)" testId="attr-feature-bars" />
      <h3>SAE features</h3>
      <UnitTable v={v} rows={features} kind="feature" positions={p.positions} prompt={p.prompt} />
      <h3>MLP neurons (every layer, direct effect through W_out)</h3>
      <UnitTable v={v} rows={neurons} kind="neuron" positions={p.positions} prompt={p.prompt} />
    </>
  );
}

function UnitTable({ v, rows, kind, positions, prompt }: { v: AttributionView; rows: AttributionRow[]; kind: 'feature' | 'neuron'; positions: Positions; prompt: string }) {
  const effects = useAttribution((s) => s.effects);
  const neuron = (r: AttributionRow) => r as NeuronRow;
  const unitOf = (r: AttributionRow): InterventionRequest['unit'] => (kind === 'feature' ? { kind, feature: r.index } : { kind, layer: neuron(r).layer, neuron: neuron(r).neuron });
  const labelOf = (r: AttributionRow) => (kind === 'feature' ? `#${r.index}` : `L${neuron(r).layer}.${neuron(r).neuron}`);
  const hrefOf = (r: AttributionRow) => {
    if (kind === 'feature') return featureHref(v.saeId, r.index);
    const run = v.neuronRuns[neuron(r).layer];
    return run ? neuronHref(run, `blocks.${neuron(r).layer}.mlp.hook_post`, neuron(r).neuron) : null;
  };
  const run = (r: AttributionRow, mode: 'ablate' | 'scale') => void runIntervention({ saeId: v.saeId, prompt, target: v.target.id, unit: unitOf(r), mode, value: mode === 'scale' ? 2 : undefined, positions });
  return (
    <table className="table" data-testid={`attr-${kind}s`}>
      <thead>
        <tr>
          <th>{kind}</th>
          <th>activation</th>
          <th>DLA</th>
          <th>act × grad</th>
          <th>intervene</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const href = hrefOf(r);
          return (
            <tr key={r.index} data-testid={`attr-${kind}-row`} data-index={r.index}>
              <td>
                {href ? (
                  <a href={href} data-testid={`attr-${kind}-link`}>
                    {labelOf(r)}
                  </a>
                ) : (
                  <span title={`no run of this model stores blocks.${neuron(r).layer}.mlp.hook_post: harvest it to open neuron pages`}>{labelOf(r)}</span>
                )}
              </td>
              <td>{fmt(r.act)}</td>
              <td>{fmt(r.dla)}</td>
              <td>{fmt(r.grad)}</td>
              <td>
                <button onClick={() => run(r, 'ablate')} data-testid={`attr-${kind}-ablate`} title="Remove it (steer by −activation) and rerun">
                  ablate
                </button>{' '}
                <button onClick={() => run(r, 'scale')} data-testid={`attr-${kind}-double`} title="Double its activation at each intervened position and rerun">
                  ×2
                </button>{' '}
                <Effects effects={[effects[effectKey(unitOf(r), 'ablate', positions)], effects[effectKey(unitOf(r), 'scale', positions)]]} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Effects({ effects }: { effects: (Effect | undefined)[] }) {
  return (
    <>
      {effects.map((e, i) =>
        !e ? null : e.state === 'running' ? (
          <span key={i} className="muted">
            …
          </span>
        ) : e.state === 'error' ? (
          <span key={i} className="error">
            {e.message}
          </span>
        ) : (
          <span key={i} className="effect" data-testid="attr-effect" data-before={e.view.before} data-after={e.view.after} data-mode={i === 0 ? 'ablate' : 'scale'}>
            {i === 0 ? 'ablated' : '×2'}: {e.view.before.toFixed(3)} → {e.view.after.toFixed(3)} ({e.view.after - e.view.before >= 0 ? '+' : ''}
            {(e.view.after - e.view.before).toFixed(3)}){' '}
          </span>
        ),
      )}
    </>
  );
}
