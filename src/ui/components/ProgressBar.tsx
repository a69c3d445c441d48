import type { LoadProgress } from '../../model/sources';

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

export function ProgressBar({ progress, phase }: { progress: LoadProgress | null; phase: string | null }) {
  const frac = progress && progress.total > 0 ? progress.loaded / progress.total : null;
  return (
    <div className="progress" data-testid="load-progress">
      <progress value={frac ?? undefined} max={1} />
      <span>
        {phase}
        {progress && ` · ${mb(progress.loaded)}${progress.total ? ` of ${mb(progress.total)}` : ''}${progress.cached ? ' (cached)' : ''}`}
      </span>
    </div>
  );
}
