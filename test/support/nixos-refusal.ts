// NixOS's refusal of a row as the table records it (refused.nixos): in this project's words,
// naming the option or the settings it is about. nixpkgs' own text (an assertion's message,
// lib's wording, a line of the module) is never written into the table, which is ours; the
// comparison prints it (`said`) when it runs. Nix's messages for a wrong value ("value is a
// string while a Boolean was expected") are Nix's, not nixpkgs', and are kept.
import path from 'node:path';

export interface Refusal {
  /** What the table records. */
  refused: string;
  /** What NixOS said, whole and on one line: shown, never written. */
  said: string;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The service's settings a text names (as whole words), in the order given. */
function settingsNamed(text: string, settings: string[]): string[] {
  return settings.filter((s) => new RegExp(`(^|[^A-Za-z0-9_])${escapeRegExp(s)}([^A-Za-z0-9_]|$)`).test(text));
}

/** False assertions of the module: which of the service's settings each one's message names. */
export function assertionRefusal(messages: string[], settings: string[]): Refusal {
  const each = messages.map((message) => {
    const named = settingsNamed(message, settings);
    return named.length ? `an assertion of the module fails, naming ${named.join(', ')}` : "an assertion of the module fails, naming none of the service's settings";
  });
  return { refused: each.join(' · '), said: `Failed assertions: ${messages.map(oneLine).join(' · ')}` };
}

/** Nix's messages for a value of the wrong type (Nix 2.8's wording, then later Nix's). */
const NIX_TYPE_ERROR = /^(value is an? [\w ]+ while an? [\w ]+ was expected|expected an? [\w ]+ but found an? [\w ]+)/;

/**
 * An evaluation that failed, from nix-instantiate's stderr. `module` is the module file's
 * path as evaluated; paths under `root` are shown relative to it.
 */
export function errorRefusal(stderr: string, module: string, root?: string): Refusal {
  const file = path.basename(module);
  let text = stderr.replaceAll(module, file);
  if (root) text = text.replaceAll(`${root}/`, '');
  const from = text.search(/^error: /m);
  const rest = from < 0 ? text : text.slice(from + 'error: '.length);
  const message = oneLine(rest.split(/\n\s*\n|\n\s*…|\n\(use '--show-trace'/)[0]);
  // The module's line the trace points at first: which serviceConfig settings it reads.
  const at = new RegExp(`at ${escapeRegExp(file)}:(\\d+):\\d+:`).exec(text);
  const code = at ? new RegExp(`^\\s*${at[1]}\\|(.*)$`, 'm').exec(text.slice(at.index))?.[1] : undefined;
  const reads = [...new Set([...(code ?? '').matchAll(/serviceConfig\.([A-Za-z0-9_]+)/g)].map((m) => m[1]))];
  const where = reads.length ? `, where ${file} reads ${reads.map((s) => `serviceConfig.${s}`).join(' and ')}` : at ? ` (in ${file})` : '';
  const said = code ? `${message} (at ${file}: ${oneLine(code)})` : message;

  const typeError = NIX_TYPE_ERROR.exec(message);
  if (typeError) return { refused: `${typeError[1]}${where}`, said };
  const option = /`([^`'\s]+)'/.exec(message)?.[1];
  if (option && /conflicting definition/.test(message)) {
    const files = [...message.matchAll(/In `([^']+)'/g)].map((m) => path.basename(m[1]));
    return { refused: `conflicting definitions of ${option}${files.length ? ` (in ${files.join(' and ')})` : ''}`, said };
  }
  if (option) return { refused: `the module system refuses ${option}${where} (lib's words are not recorded; the comparison shows them)`, said };
  return { refused: `the evaluation fails${where} (its message is not recorded; the comparison shows it)`, said };
}
