// Writes what NixOS's evaluation gives into the confinement table: each row's dropIn and
// binSh, or refused.nixos, and in the header which nixpkgs they came from (setProvenance).
// The human fields (row, source, service, binds, debian, the harness's refused.key and
// .problem) and the other comments stay as they are. Equal drop-ins are written once,
// anchored at the first row that has it, and aliased after.
import { isMap, isSeq, type Document, type Node, type YAMLMap } from 'yaml';
import type { NixosFields } from './nixos-compare.js';

export function writeNixosFields(doc: Document, fields: NixosFields[]): string {
  const rows = doc.contents;
  if (!isSeq(rows) || rows.items.length !== fields.length) throw new Error(`the table has ${isSeq(rows) ? rows.items.length : 'no'} rows, the evaluation ${fields.length}`);
  const anchored = new Map<string, { node: Node; anchor: string }>();
  rows.items.forEach((item, i) => {
    if (!isMap(item)) throw new Error(`row ${i + 1} of the table is no map`);
    const row = item as YAMLMap;
    const f = fields[i];
    if (f.refused !== undefined) {
      row.delete('dropIn');
      row.delete('binSh');
      const refused = row.get('refused', true);
      if (isMap(refused)) refused.set('nixos', f.refused);
      else row.set('refused', doc.createNode({ nixos: f.refused }));
      return;
    }
    const refused = row.get('refused', true);
    if (isMap(refused)) {
      // The harness's own words stay: its test is red until they go or NixOS refuses again.
      refused.delete('nixos');
      if (refused.items.length === 0) row.delete('refused');
    }
    const key = JSON.stringify(f.dropIn);
    const first = anchored.get(key);
    if (first) {
      row.set('dropIn', doc.createAlias(first.node as Parameters<Document['createAlias']>[0], first.anchor));
    } else {
      const node = doc.createNode(f.dropIn) as Node;
      anchored.set(key, { node, anchor: anchorName(row) });
      row.set('dropIn', node);
    }
    row.set('binSh', f.binSh);
  });
  // binSh after dropIn, whatever order the row had.
  for (const item of rows.items as YAMLMap[]) item.items.sort((a, b) => order(a.key) - order(b.key));
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

const KEYS = ['row', 'source', 'name', 'service', 'refused', 'dropIn', 'binSh', 'binds', 'debian'];
const order = (key: unknown) => {
  const at = KEYS.indexOf(String((key as { value?: unknown })?.value ?? key));
  return at < 0 ? KEYS.length : at;
};

/** A readable anchor: the first row's name as a slug. */
function anchorName(row: YAMLMap): string {
  return String(row.get('row')).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
}

/** The header's line above the provenance block; the block is the lines after it that start with `#   KEY:`. */
export const PROVENANCE_MARK = '# The NixOS fields (dropIn, binSh, refused.nixos) were last written by `make confinement-table` from:';
const PROVENANCE_LINE = /^# {3}(nixpkgs|module|lib|Nix):/;

/** The table's text with its provenance block replaced by `lines` (provenanceLines). */
export function setProvenance(text: string, lines: string[]): string {
  const all = text.split('\n');
  const at = all.indexOf(PROVENANCE_MARK);
  if (at < 0) throw new Error(`the table's header has no line "${PROVENANCE_MARK}" to record the nixpkgs under`);
  let end = at + 1;
  while (end < all.length && PROVENANCE_LINE.test(all[end])) end++;
  all.splice(at + 1, end - at - 1, ...lines.map((line) => `#   ${line}`));
  return all.join('\n');
}

/** The provenance block as the table has it (as provenanceLines gives it), or undefined. */
export function readProvenance(text: string): string[] | undefined {
  const all = text.split('\n');
  const at = all.indexOf(PROVENANCE_MARK);
  if (at < 0) return undefined;
  const lines: string[] = [];
  for (let i = at + 1; i < all.length && PROVENANCE_LINE.test(all[i]); i++) lines.push(all[i].slice('#   '.length));
  return lines;
}
