// Guest output reaches reports verbatim: a command's stdout, a journal line, a serial
// log tail. None of it may inject markup into the XML or move the cursor in a CI log,
// so every report passes text through one of these before writing it.

/**
 * ANSI escape sequences, tried in this order: CSI (`ESC [ … final`, colours and cursor
 * moves), OSC (`ESC ] … BEL|ST`, window titles and hyperlinks), the string commands
 * DCS/SOS/PM/APC (`ESC P|X|^|_ … ST`), any other escape (`ESC intermediates final`,
 * e.g. `ESC ( B`), and the 8-bit CSI (U+009B).
 */
const ANSI_ESCAPE =
  /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[PX^_][^\u001b]*\u001b\\|[ -/]*[0-~])|\u009b[0-?]*[ -/]*[@-~]/g;

/** Everything outside XML 1.0's `Char` production: C0 controls except tab, LF and CR,
 *  lone surrogates (the `u` flag makes a valid pair one code point), U+FFFE and U+FFFF. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** What a terminal would act on rather than print: every C0 control but tab and LF
 *  (a CR would let a line overwrite what came before it), DEL, C1 controls, lone
 *  surrogates and the two non-characters. */
const NOT_PRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\uD800-\uDFFF\uFFFE\uFFFF]/gu;

/** Removes ANSI escape sequences (colours, cursor moves, titles), keeping the text between them. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_ESCAPE, '');
}

/** Text that is legal anywhere in an XML 1.0 document once `&<>"'` are escaped. */
export function xmlSafe(text: string): string {
  return stripAnsi(text).replace(NOT_XML_CHAR, '');
}

/** Text that prints as itself in a terminal or CI log: only tab and newline survive as controls. */
export function terminalSafe(text: string): string {
  return stripAnsi(text.replace(/\r\n/g, '\n')).replace(NOT_PRINTABLE, '');
}
