// The JumpReLU SAE's own training parameters (SAELens' JumpReLUTrainingSAEConfig, src/sae/train/jumprelu-step.ts).
import { setTrainOptions, useTrain } from '../train-store';

type NumKey = 'l0Coefficient' | 'jumpreluBandwidth' | 'jumpreluInitThreshold' | 'jumpreluTanhScale' | 'preActLossCoefficient';

export function JumpReluFields() {
  const o = useTrain((s) => s.options);
  const num = (key: NumKey, label: string, title: string, step: number) => (
    <label title={title}>
      {label} <input type="number" min={0} step={step} value={o[key]} onChange={(e) => setTrainOptions({ [key]: Number(e.target.value) })} size={6} data-testid={`train-${key}`} />
    </label>
  );
  return (
    <>
      {num('l0Coefficient', 'L0 λ', 'l0_coefficient: weight of the sparsity loss (warmed up over the first 5% of steps)', 0.1)}
      <label title="jumprelu_sparsity_loss_mode: step is DeepMind's L0, tanh is Anthropic's">
        sparsity{' '}
        <select value={o.jumpreluSparsityLossMode} onChange={(e) => setTrainOptions({ jumpreluSparsityLossMode: e.target.value as 'step' | 'tanh' })} data-testid="train-jumpreluSparsityLossMode">
          <option value="step">L0 (step)</option>
          <option value="tanh">tanh</option>
        </select>
      </label>
      {o.jumpreluSparsityLossMode === 'tanh' && num('jumpreluTanhScale', 'tanh scale', 'jumprelu_tanh_scale', 0.5)}
      {num('jumpreluBandwidth', 'bandwidth ε', 'jumprelu_bandwidth: width of the rectangle kernel of the threshold pseudo-derivative', 0.01)}
      {num('jumpreluInitThreshold', 'initial θ', 'jumprelu_init_threshold', 0.001)}
      {num('preActLossCoefficient', 'pre-act λ', 'pre_act_loss_coefficient: pulls dead latents back toward their threshold (0: off)', 0.01)}
      <label title="θ trained as is (later SAELens) or as log θ (SAELens 6.18, the paper), which moves slowly in short runs">
        threshold{' '}
        <select value={o.jumpreluThresholdParam} onChange={(e) => setTrainOptions({ jumpreluThresholdParam: e.target.value as 'log' | 'direct' })} data-testid="train-jumpreluThresholdParam">
          <option value="direct">θ</option>
          <option value="log">log θ</option>
        </select>
      </label>
    </>
  );
}
