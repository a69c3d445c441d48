import { useLab } from '../store';

export function WebGpuBadge() {
  const webgpu = useLab((s) => s.webgpu);
  const model = useLab((s) => s.model);
  if (!webgpu.checked) return <span className="badge" data-testid="webgpu-status">checking WebGPU…</span>;
  const running = model ? ` · model on ${model.status.backend}${model.status.adapter ? ` (${model.status.adapter})` : ''}` : '';
  return (
    <span className={`badge ${webgpu.available ? 'ok' : 'warn'}`} data-testid="webgpu-status" title={webgpu.reason ?? ''}>
      {webgpu.available ? 'WebGPU available' : 'WebGPU unavailable'}
      {running}
    </span>
  );
}
