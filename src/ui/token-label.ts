// How pages draw token text that the worker has already made readable (src/model/token-text.ts: split characters
// decoded, bytes as \xNN, control and bidirectional characters as visible marks). Rendered by React as text, never
// as HTML; every token cell and text block is bidi-isolated in styles.css, so RTL text stays inside its own box.
import type { Join } from '../model/token-text';

/** A token in a cell (strips, tables, rows): a newline is ↵, since a cell is one line. */
export const cellText = (t: string) => t.replace(/\n/g, '↵');

/** A token as the prompt's token strip shows it: whitespace made visible too (· for a space). */
export const spacedText = (t: string) => t.replace(/ /g, '·').replace(/\n/g, '↵');

/**
 * A token as the attention views label it (SVG text, where no border can draw a join): spacedText, and ‿ for a token
 * whose bytes only start a character that a later token completes, which has no text of its own.
 */
export const tokenLabel = (t: string) => (t === '' ? '‿' : spacedText(t));

/** The class that draws a token's join to its neighbours (a character split between them): no gap, a thin tie. */
export const joinClass = (j: Join | undefined) => (j ? ` join-${j}` : '');

/** A title note for a joined token. */
export const joinTitle = (j: Join | undefined) => (j ? ' · shares a character with the ' + (j === 'both' ? 'tokens on both sides' : j === 'prev' ? 'previous token' : 'next token') : '');

/** A token shown inline in prose, quoted. */
export const quoted = (t: string) => `“${cellText(t)}”`;
