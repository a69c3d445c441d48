// The model's state on every page: loading (with progress), ready (`model-ready`, with its id and backend), or
// what went wrong. Pages that need a model wait for this state instead of failing.
import { Name } from './Name';
import { stageHref } from '../route';
import { useLab } from '../store';

export function ModelChip() {
  const { model, loading, phase, progress, loadError, webgpu } = useLab();
  if (loading) {
    const pct = progress && progress.total > 0 ? ` ${Math.round((100 * progress.loaded) / progress.total)}%` : '';
    return (
      <span className="badge" role="status" data-testid="model-loading">
        loading model… {phase}
        {pct}
      </span>
    );
  }
  if (!model) {
    return (
      <a className={`badge ${loadError ? 'warn' : ''}`} href={stageHref('model')} data-testid="model-missing">
        {loadError ? 'no model loaded: see the model panel' : webgpu.checked ? 'no model loaded' : 'starting…'}
      </a>
    );
  }
  return (
    <a className="badge ok" href={stageHref('model')} data-testid="model-ready" data-model-id={model.id} data-backend={model.status.backend}>
      <Name text={model.id} /> on {model.status.backend}
    </a>
  );
}
