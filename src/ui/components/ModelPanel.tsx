import type { DragEvent } from 'react';
import { shownText } from '../user-text';
import { HUB_PRESETS } from '../../model/sources';
import { useFeatures } from '../features-store';
import { useHarvest } from '../harvest-store';
import { useTrain } from '../train-store';
import { loadModel, setBackend, setFiles, setHubRepo, setHubUrl, setSourceKind, useLab } from '../store';
import { ProgressBar } from './ProgressBar';

export function ModelPanel() {
  const s = useLab();
  // Loading a model replaces the one a running job uses (and a switch from wasm to WebGPU restarts the worker).
  const harvesting = useHarvest((h) => h.job !== null);
  const training = useTrain((t) => t.training);
  const computing = useFeatures((f) => f.stats !== null);
  const busy = harvesting || training || computing;
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setFiles([...e.dataTransfer.files]);
  };
  return (
    <section className="panel" data-testid="model-panel" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
      <h2>Model</h2>
      <div className="row">
        <label>
          <input type="radio" checked={s.sourceKind === 'embedded'} onChange={() => setSourceKind('embedded')} data-testid="source-embedded" />
          Embedded tiny-gpt2 (4 layers, d 256)
        </label>
        <label>
          <input type="radio" checked={s.sourceKind === 'hub'} onChange={() => setSourceKind('hub')} data-testid="source-hub" />
          Hugging Face Hub
        </label>
        <label>
          <input type="radio" checked={s.sourceKind === 'files'} onChange={() => setSourceKind('files')} data-testid="source-files" />
          Local files
        </label>
      </div>
      {s.sourceKind === 'hub' && (
        <div className="row">
          <input list="hub-presets" value={s.hubRepo} onChange={(e) => setHubRepo(e.target.value)} aria-label="Hub model repo" data-testid="hub-repo" placeholder="owner/repo" />
          <datalist id="hub-presets">
            {HUB_PRESETS.map((p) => (
              <option key={p} value={p} />
            ))}
          </datalist>
          <input value={s.hubUrl} onChange={(e) => setHubUrl(e.target.value)} aria-label="Hub base URL" data-testid="hub-url" title="Hub base URL (a mirror works too)" />
        </div>
      )}
      {s.sourceKind === 'files' && (
        <div className="row dropzone">
          <span>Drop config.json, tokenizer.json and model.safetensors (or a pre-built .onnx) here, or </span>
          <input type="file" multiple accept=".json,.safetensors,.onnx" onChange={(e) => setFiles([...(e.target.files ?? [])])} aria-label="model files" data-testid="file-input" />
          {s.files.length > 0 && <span className="muted">{shownText(s.files.map((f) => f.name).join(', '))}</span>}
        </div>
      )}
      {s.backendNote && (
        <p className="notice" data-testid="backend-auto-note">
          {s.backendNote}
        </p>
      )}
      <div className="row">
        <label>
          Backend{' '}
          <select value={s.backend} onChange={(e) => setBackend(e.target.value as 'webgpu' | 'wasm')} data-testid="backend-select">
            <option value="webgpu">WebGPU</option>
            <option value="wasm">wasm (CPU)</option>
          </select>
        </label>
        <button onClick={() => void loadModel()} disabled={s.loading || !s.engine || busy} title={busy ? 'a harvest, training or statistics pass is running: wait for it or stop it first' : undefined} data-testid="load-model">
          {s.loading ? 'Loading…' : 'Load model'}
        </button>
      </div>
      {s.loading && <ProgressBar progress={s.progress} phase={s.phase} />}
      {s.loadError && (
        <div className="error" role="alert" data-testid="load-error">
          {shownText(s.loadError)}
        </div>
      )}
      {s.model && <ModelInfoView />}
    </section>
  );
}

function ModelInfoView() {
  const m = useLab((s) => s.model)!;
  const { cfg, status, timings } = m;
  return (
    <div data-testid="model-info">
      <p>
        <strong>{m.id}</strong> · {cfg.nLayer} layers · d {cfg.nEmbd} · {cfg.nHead} heads · vocab {cfg.vocabSize} · {cfg.nPositions} positions ·{' '}
        {m.parameters === null ? 'pre-built .onnx' : `${(m.parameters / 1e6).toFixed(1)} M parameters`}
      </p>
      <p>
        Running on <strong data-testid="model-backend">{status.backend}</strong>
        {status.adapter && ` (${status.adapter})`} · graph built in {timings.buildMs.toFixed(0)} ms · session in {timings.sessionMs.toFixed(0)} ms
      </p>
      {status.softwareAdapter && (
        <p className="notice" data-testid="adapter-hint">
          This WebGPU adapter is a software renderer ({status.adapter}): results are exact but slow. Choose the wasm backend for speed on this machine (the lab does so by itself unless WebGPU was chosen).
        </p>
      )}
      {status.fallbackReason && (
        <p className="notice" data-testid="backend-notice">
          Using wasm instead of WebGPU: {status.fallbackReason}
        </p>
      )}
    </div>
  );
}
