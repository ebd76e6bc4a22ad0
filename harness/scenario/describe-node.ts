// What a YAML node is, in words, for the readers' "expected X, got Y" messages.
import { isMap, isScalar, isSeq, type Node } from 'yaml';

/** What a node is, in words, for "expected X, got Y". */
export function describe(node: Node | null): string {
  if (node === null || isEmpty(node)) return 'nothing';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const value = node.value;
    if (value === null) return 'null';
    if (typeof value === 'string') return value === '' ? 'empty text' : `text "${shortText(value)}"`;
    if (typeof value === 'number') return `a number (${value})`;
    if (typeof value === 'boolean') return `a boolean (${value})`;
  }
  return 'an unsupported value';
}

export function isEmpty(node: Node | null): boolean {
  // `key:` with nothing after it parses to a null scalar with empty source.
  return node === null || (isScalar(node) && node.value === null && node.source === '');
}

function shortText(text: string): string {
  const line = text.split('\n')[0];
  return line.length > 40 || line !== text ? `${line.slice(0, 40)}…` : line;
}
