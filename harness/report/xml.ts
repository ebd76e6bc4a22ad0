// A tiny XML tree and its serializer, enough for report formats. Every text and attribute
// value is sanitized and escaped here, so a caller can put guest output straight into
// the tree and never produce a broken or injected document.
import { xmlSafe } from './sanitize.js';

export interface XmlElement {
  name: string;
  /** Undefined values are left out, so optional attributes need no `if`. */
  attributes?: Record<string, string | number | undefined>;
  children?: XmlElement[];
  /** Text content. An element holds children or text, never both: mixed content
   *  cannot be pretty-printed without changing the text. */
  text?: string;
}

/** Builds an element; reads like the markup it stands for. */
export function element(
  name: string,
  attributes: XmlElement['attributes'] = {},
  children: XmlElement[] = [],
): XmlElement {
  return { name, attributes, children };
}

/** An element whose only content is text (kept verbatim, never reindented). */
export function textElement(name: string, attributes: XmlElement['attributes'], text: string): XmlElement {
  return { name, attributes, text };
}

/** The whole document: declaration, then the tree with 2-space indentation, then a newline. */
export function serializeXml(root: XmlElement): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  writeElement(root, 0, lines);
  return lines.join('\n') + '\n';
}

function writeElement(node: XmlElement, depth: number, lines: string[]): void {
  const indent = '  '.repeat(depth);
  const open = `${indent}<${checkName(node.name)}${formatAttributes(node.attributes)}`;
  const children = node.children ?? [];
  const text = node.text === undefined ? '' : escapeXml(node.text);
  if (children.length > 0 && text !== '') {
    throw new Error(`<${node.name}> has both children and text; mixed content is not supported`);
  }
  if (children.length > 0) {
    lines.push(`${open}>`);
    for (const child of children) writeElement(child, depth + 1, lines);
    lines.push(`${indent}</${node.name}>`);
  } else if (text !== '') {
    // One "line" that may contain newlines: the text must come out exactly as it went in.
    lines.push(`${open}>${text}</${node.name}>`);
  } else {
    lines.push(`${open}/>`);
  }
}

function formatAttributes(attributes: XmlElement['attributes'] = {}): string {
  let out = '';
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    out += ` ${checkName(name)}="${escapeAttribute(String(value))}"`;
  }
  return out;
}

/** Names come from report code, not from guests; a bad one is a bug worth failing loudly on. */
function checkName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) throw new Error(`not a valid XML name: ${JSON.stringify(name)}`);
  return name;
}

/** Sanitizes, then escapes all five special characters (escaping `>` also defuses `]]>`). */
export function escapeXml(text: string): string {
  return xmlSafe(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** As escapeXml, plus tab, LF and CR as character references: a parser would otherwise
 *  normalize them to spaces inside an attribute, and a multi-line message would lose its lines. */
export function escapeAttribute(text: string): string {
  return escapeXml(text).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}
