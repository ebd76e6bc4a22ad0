// Escaping for compare's Markdown and HTML: text from guests, reports and package texts
// renders as itself, never as markup.
import { stripAnsi, xmlSafe } from '../report/sanitize.js';

/** Text that renders as itself in a table cell or list item: one line, no markup. */
export function md(text: string): string {
  return stripAnsi(text)
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/\s*\n\s*/g, ' ⏎ ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    // only what opens markup mid-line: emphasis, code, links, HTML, table cells, strikethrough
    .replace(/([\\`*_[\]|~])/g, '\\$1');
}

/** Escaped for text and attribute values alike; control characters and ANSI removed. */
export function html(text: string): string {
  return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
