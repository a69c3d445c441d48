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
