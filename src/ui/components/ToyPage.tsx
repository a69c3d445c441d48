// The toy model of superposition (Elhage et al. 2022): n sparse features through m < n hidden dimensions and back
// through a ReLU. The page trains it in the worker (WGSL kernels), animates the columns of W in the hidden plane,
// shows the angular gaps and norms that make "pentagon" a number, then trains an SAE on the hidden layer and
// overlays its decoder directions.
import { featureNorms, representedGaps, toyImportance } from '../../analysis/toy/toy-model';
import { type ToyOptions, type ToySaeOptions, TOY_PRESETS, cancelToy, setToyOptions, setToySaeOptions, trainToy, trainToySae, useToy } from '../toy-store';
import { LineChart } from './LineChart';
import { ToyPlot } from './ToyPlot';

const RECOVERED = 0.95;

export function ToyPage() {
  const t = useToy();
  const o = t.options;
  const busy = t.training || t.sae.training;
  const num = (key: keyof ToyOptions, label: string, step = 1) => (
    <label>
      {label} <input type="number" step={step} value={o[key] as number} onChange={(e) => setToyOptions({ [key]: Number(e.target.value) })} disabled={busy} data-testid={`toy-${key}`} />
    </label>
  );
  return (
    <section className="panel wide" data-testid="toy-page">
      <h2>Toy model of superposition</h2>
      <p className="muted">
        n sparse features x ∈ [0, 1]ⁿ (each 0 with probability S) are squeezed into m &lt; n hidden dimensions, h = W x, and read back as ReLU(Wᵀh + b), with
        feature i weighted by importance rⁱ in the loss (Elhage et al. 2022). Dense inputs: the model keeps the m most important features in dedicated
        dimensions. Sparse inputs: it stores more features than dimensions, in superposition (n = 5, m = 2: a regular pentagon).
      </p>
      <div className="row" data-testid="toy-presets">
        presets:
        {TOY_PRESETS.map((p, i) => (
          <button key={p.label} className="secondary" onClick={() => setToyOptions(p.patch)} disabled={busy} data-testid={`toy-preset-${i}`}>
            {p.label}
          </button>
        ))}
      </div>
      <div className="row">
        {num('n', 'features n')}
        {num('m', 'hidden m')}
        <label>
          sparsity S{' '}
          <input type="range" min={0} max={0.999} step={0.001} value={o.sparsity} onChange={(e) => setToyOptions({ sparsity: Number(e.target.value) })} disabled={busy} data-testid="toy-sparsity-slider" />
        </label>
        {num('sparsity', 'S', 0.001)}
        <span className="muted" data-testid="toy-feature-probability">
          feature probability 1 − S = {(1 - o.sparsity).toFixed(3)}
        </span>
      </div>
      <div className="row">
        <label>
          importance decay r{' '}
          <input type="range" min={0.5} max={1} step={0.01} value={o.importanceDecay} onChange={(e) => setToyOptions({ importanceDecay: Number(e.target.value) })} disabled={busy} data-testid="toy-decay-slider" />
        </label>
        {num('importanceDecay', 'r', 0.01)}
        {num('steps', 'steps')}
        {num('batch', 'batch')}
        {num('lr', 'lr', 1e-4)}
        {num('seed', 'seed')}
        <label>
          on{' '}
          <select value={o.device} onChange={(e) => setToyOptions({ device: e.target.value as 'gpu' | 'cpu' })} disabled={busy} data-testid="toy-device">
            <option value="gpu">GPU (WGSL)</option>
            <option value="cpu">CPU twin</option>
          </select>
        </label>
      </div>
      <div className="row">
        <button onClick={() => void trainToy()} disabled={busy} data-testid="toy-train">
          Train
        </button>
        {t.training && (
          <button className="secondary" onClick={() => void cancelToy()} disabled={t.cancelling} data-testid="toy-cancel">
            {t.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        {(t.training || t.view) && <progress value={t.view?.step ?? 0} max={t.view?.cfg.steps ?? o.steps} style={{ flex: 1 }} data-testid="toy-progress" />}
      </div>
      <ToyStatus />
      {t.error && (
        <div className="error" role="alert" data-testid="toy-error">
          {t.error}
        </div>
      )}
      {t.view && <ToyResults />}
    </section>
  );
}

function ToyStatus() {
  const { view, losses, summary, training } = useToy();
  const last = losses.at(-1);
  if (summary && !training) {
    return (
      <p className="muted" data-testid="toy-summary">
        {summary.aborted ? 'Cancelled after' : 'Trained'} {summary.steps} steps in {summary.seconds.toFixed(1)} s on {summary.device === 'gpu' ? 'the GPU (WGSL)' : 'the CPU twin'}; final
        loss {summary.finalLoss?.toExponential(3) ?? '—'}.{summary.note ? ` ${summary.note}.` : ''}
      </p>
    );
  }
  if (!view || !last) return null;
  return (
    <p className="muted" data-testid="toy-status">
      step {view.step} / {view.cfg.steps} · loss {last.loss.toExponential(3)}
    </p>
  );
}

function ToyResults() {
  const t = useToy();
  const view = t.view!;
  const { n, m } = view.cfg;
  const importance = toyImportance(view.cfg);
  const norms = featureNorms(view.W, n, m);
  const sae = t.sae.result;
  const matched = new Set(sae?.matches.map((x) => x.latent) ?? []);
  return (
    <>
      <div className="row" style={{ alignItems: 'flex-start', gap: '1.5rem' }}>
        <div>
          <ToyPlot W={view.W} n={n} m={m} importance={importance} decoder={sae?.decoder ?? null} matched={matched} />
          <p className="muted" style={{ maxWidth: 340, fontSize: '0.8rem' }}>
            {m > 2 ? `The first two of the ${m} hidden dimensions (a projection). ` : m === 1 ? 'One hidden dimension: the directions lie on a line. ' : ''}
            Solid: columns of W, darker = more important; dotted circle: norm 1{sae ? '; dashed: SAE decoder directions (red: a feature’s best match)' : ''}.
          </p>
        </div>
        <div>
          <FeatureTable norms={norms} importance={importance} b={t.summary?.b ?? null} />
          {m === 2 ? <GapTable W={view.W} n={n} /> : <p className="muted">Angular gaps need m = 2.</p>}
        </div>
        {t.losses.length > 1 && (
          <LineChart title="loss (importance-weighted MSE)" x={t.losses.map((p) => p.step)} series={[{ name: 'loss', color: '#b3261e', values: t.losses.map((p) => p.loss) }]} log testId="toy-chart-loss" />
        )}
      </div>
      {t.summary && <SaeSection />}
    </>
  );
}

function FeatureTable({ norms, importance, b }: { norms: Float64Array; importance: Float32Array; b: Float32Array | null }) {
  return (
    <table className="table" data-testid="toy-features">
      <caption className="muted">features</caption>
      <thead>
        <tr>
          <th>i</th>
          <th className="num">importance</th>
          <th className="num">‖W·ᵢ‖</th>
          {b && <th className="num">bias bᵢ</th>}
        </tr>
      </thead>
      <tbody>
        {Array.from(norms, (v, i) => (
          <tr key={i}>
            <td>{i}</td>
            <td className="num">{importance[i].toFixed(3)}</td>
            <td className="num" data-testid="toy-norm" data-value={v}>
              {v.toFixed(3)}
            </td>
            {b && <td className="num">{b[i].toFixed(3)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function GapTable({ W, n }: { W: Float32Array; n: number }) {
  const { order, gaps } = representedGaps(W, n, 2);
  if (order.length < 2) return null;
  return (
    <table className="table" data-testid="toy-gaps">
      <caption className="muted" style={{ captionSide: 'top', textAlign: 'left', maxWidth: '16rem' }}>
        angles between neighbouring directions: {order.length} represented (a regular {order.length}-gon has {(360 / order.length).toFixed(1)}°)
      </caption>
      <tbody>
        {gaps.map((g, i) => (
          <tr key={order[i]}>
            <td>
              {order[i]} → {order[(i + 1) % order.length]}
            </td>
            <td className="num" data-testid="toy-gap" data-value={g}>
              {g.toFixed(1)}°
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SaeSection() {
  const t = useToy();
  const o = t.saeOptions;
  const s = t.sae;
  const num = (key: keyof Omit<ToySaeOptions, 'device'>, label: string, step = 1) => (
    <label>
      {label} <input type="number" step={step} value={o[key]} onChange={(e) => setToySaeOptions({ [key]: Number(e.target.value) })} disabled={s.training} data-testid={`toy-sae-${key}`} />
    </label>
  );
  return (
    <div data-testid="toy-sae">
      <h3>An SAE on the hidden layer</h3>
      <p className="muted">
        A TopK sparse autoencoder (the lab’s WGSL trainer) on hidden activations h = W x of fresh sparse inputs: does dictionary learning find the n
        features that the model superposed in m dimensions? Each true direction W·ᵢ is matched to the decoder row with the highest cosine.
      </p>
      <div className="row">
        {num('dSae', 'latents')}
        {num('k', 'k')}
        {num('steps', 'steps')}
        {num('batch', 'batch')}
        {num('lr', 'lr', 1e-4)}
        {num('seed', 'seed')}
        <label>
          on{' '}
          <select value={o.device} onChange={(e) => setToySaeOptions({ device: e.target.value as ToySaeOptions['device'] })} disabled={s.training} data-testid="toy-sae-device">
            <option value="auto">auto (GPU unless software WebGPU)</option>
            <option value="gpu">GPU (WGSL)</option>
            <option value="cpu">CPU twin</option>
          </select>
        </label>
        <button onClick={() => void trainToySae()} disabled={s.training || t.training} data-testid="toy-sae-train">
          Train SAE on hidden layer
        </button>
        {s.training && (
          <button className="secondary" onClick={() => void cancelToy()} data-testid="toy-sae-cancel">
            Cancel
          </button>
        )}
      </div>
      {s.training && (
        <div className="row">
          <progress value={s.step} max={s.steps} style={{ flex: 1 }} data-testid="toy-sae-progress" />
          <span className="muted">
            step {s.step} / {s.steps}
            {s.fvu !== null ? ` · FVU ${s.fvu.toFixed(4)}` : ''}
          </span>
        </div>
      )}
      {s.error && (
        <div className="error" role="alert" data-testid="toy-sae-error">
          {s.error}
        </div>
      )}
      {s.result && (
        <>
          <p className="muted" data-testid="toy-sae-summary">
            {s.result.aborted ? 'Cancelled after' : 'Trained'} {s.result.steps} steps ({s.result.dSae} latents) in {s.result.seconds.toFixed(1)} s on{' '}
            {s.result.device === 'gpu' ? 'the GPU (WGSL)' : 'the CPU twin'}; final FVU {s.result.finalFvu?.toFixed(4) ?? '—'}.{s.result.note ? ` ${s.result.note}.` : ''}
          </p>
          <table className="table" data-testid="toy-sae-matches">
            <thead>
              <tr>
                <th>feature i</th>
                <th>best latent</th>
                <th className="num">cosine</th>
                <th>≥ {RECOVERED}</th>
              </tr>
            </thead>
            <tbody>
              {s.result.matches.map((x, i) => (
                <tr key={i}>
                  <td>{i}</td>
                  <td>{x.latent}</td>
                  <td className="num" data-testid="toy-sae-cos" data-value={x.cosine}>
                    {x.cosine.toFixed(4)}
                  </td>
                  <td>{x.cosine >= RECOVERED ? '✓' : '✗'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
