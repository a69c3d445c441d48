// A token as the attention views label it: whitespace made visible (· for a space, ↵ for a newline). Rendered by
// React as text, never as HTML.
export const tokenLabel = (t: string) => t.replace(/ /g, '·').replace(/\n/g, '↵');
