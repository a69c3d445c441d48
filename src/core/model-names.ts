// One model goes by several names: SAELens (and TransformerLens) say "gpt2-small" or "gpt2", the Hub says
// "openai-community/gpt2" (or plain "gpt2", the pre-2024 repo id). An SAE's model_name and a loaded model's id
// name the same model when they agree after these aliases.
const ALIASES: Record<string, string> = {
  gpt2: 'gpt2',
  'gpt2-small': 'gpt2',
  'openai-community/gpt2': 'gpt2',
  'gpt2-medium': 'gpt2-medium',
  'openai-community/gpt2-medium': 'gpt2-medium',
  'gpt2-large': 'gpt2-large',
  'openai-community/gpt2-large': 'gpt2-large',
  'gpt2-xl': 'gpt2-xl',
  'openai-community/gpt2-xl': 'gpt2-xl',
};

export function canonicalModelName(name: string): string {
  return ALIASES[name.toLowerCase()] ?? name;
}

export function sameModel(a: string, b: string): boolean {
  return canonicalModelName(a) === canonicalModelName(b);
}

const LABELS: Record<string, string> = { gpt2: 'GPT-2 small', 'gpt2-medium': 'GPT-2 medium', 'gpt2-large': 'GPT-2 large', 'gpt2-xl': 'GPT-2 XL' };

/** How a message names a model to load: "GPT-2 small" for gpt2-small and its aliases, else the name as given. */
export function modelLabel(name: string): string {
  return LABELS[canonicalModelName(name)] ?? name;
}
