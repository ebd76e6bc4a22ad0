import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stripAnsi, terminalSafe, xmlSafe } from '../../harness/report/sanitize.js';
import { element, escapeAttribute, escapeXml, serializeXml, textElement } from '../../harness/report/xml.js';
import { tempDir } from '../support/harness.js';

const NASTY = 'a]]>b <script>alert("x")</script> & \'q\' \u0000\u0007\u001b[31mred\u001b[0m 🦀 \uD800 end\uFFFE\uFFFF';

/** Parses with xmllint (a real XML 1.0 parser) and returns what it decodes at the XPath. */
async function xpath(xml: string, expr: string): Promise<string> {
  const dir = await tempDir('harness-xml-');
  try {
    const file = path.join(dir, 'doc.xml');
    await writeFile(file, xml);
    const { stdout } = await execa('xmllint', ['--xpath', expr, file]);
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the five special characters are escaped in text and attributes', () => {
  assert.is(escapeXml(`&<>"'`), '&amp;&lt;&gt;&quot;&apos;');
  assert.is(escapeAttribute(`&<>"'`), '&amp;&lt;&gt;&quot;&apos;');
});

test('characters illegal in XML 1.0 are removed, emoji and whitespace kept', () => {
  assert.is(xmlSafe('a\u0000b\u0001c\u0008d\u000be\u000cf\u001fg'), 'abcdefg');
  assert.is(xmlSafe('x\uD800y\uDFFFz'), 'xyz', 'lone surrogates');
  assert.is(xmlSafe('\uDFFF\uD800'), '', 'a reversed pair is two lone surrogates');
  assert.is(xmlSafe('p\uFFFEq\uFFFFr'), 'pqr');
  assert.is(xmlSafe('tab\there\nnew\r\nline 🦀 é'), 'tab\there\nnew\r\nline 🦀 é');
});

test('ANSI escape sequences are stripped, their text kept', () => {
  assert.is(stripAnsi('\u001b[31mred\u001b[0m \u001b[1;32mbold green\u001b[m'), 'red bold green');
  assert.is(stripAnsi('\u001b]0;window title\u0007after'), 'after', 'OSC ended by BEL');
  assert.is(stripAnsi('\u001b]8;;http://x\u001b\\link\u001b]8;;\u001b\\'), 'link', 'OSC hyperlink ended by ST');
  assert.is(stripAnsi('\u001b(Bplain\u001b[2K\u001b[1A'), 'plain', 'charset and cursor moves');
  assert.is(stripAnsi('\u009b31mc1\u009b0m'), 'c1', '8-bit CSI');
  assert.not.match(xmlSafe('lone \u001b escape'), '\u001b');
});

test('terminalSafe keeps tab and newline but drops CR, DEL and C1 controls', () => {
  assert.is(terminalSafe('a\r\nb\rc\u007fd\u0085e\tf\u001b[31mg'), 'a\nbcde\tfg');
});

test('pretty-prints with two-space indentation and keeps multi-line text verbatim', () => {
  const doc = element('root', { a: 1, skip: undefined }, [
    element('child', { b: 'two' }, [textElement('text', {}, 'line one\n  line two\n')]),
    element('empty'),
  ]);
  assert.is(
    serializeXml(doc),
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<root a="1">',
      '  <child b="two">',
      '    <text>line one',
      '  line two',
      '</text>',
      '  </child>',
      '  <empty/>',
      '</root>',
      '',
    ].join('\n'),
  );
});

test('empty text serializes as a self-closing element', () => {
  assert.match(serializeXml(textElement('out', {}, '')), '<out/>');
  assert.match(serializeXml(textElement('out', {}, '\u0000')), '<out/>', 'nothing left after sanitizing');
});

test('mixed content and invalid names are refused', () => {
  assert.throws(() => serializeXml({ name: 'x', text: 't', children: [element('y')] }), /mixed content/);
  assert.throws(() => serializeXml(element('bad name')), /not a valid XML name/);
  assert.throws(() => serializeXml(element('x', { 'a"b': 1 })), /not a valid XML name/);
});

test('nasty text survives a real parser: well-formed, no injected markup, same text minus the illegal parts', async () => {
  const xml = serializeXml(element('root', { msg: NASTY }, [textElement('out', {}, NASTY)]));
  assert.not.match(xml, '<script>');
  assert.not.match(xml, ']]>');
  const expected = 'a]]>b <script>alert("x")</script> & \'q\' red 🦀  end';
  assert.is(await xpath(xml, 'string(/root/out)'), expected);
  assert.is(await xpath(xml, 'string(/root/@msg)'), expected);
  assert.is(await xpath(xml, 'count(/root/*)'), '1', 'exactly one child: nothing was injected');
});

test('newlines and tabs in attributes survive parsing', async () => {
  const xml = serializeXml(element('root', { msg: 'expected: 0\n\tgot: 1' }));
  assert.match(xml, 'expected: 0&#10;&#9;got: 1');
  assert.is(await xpath(xml, 'string(/root/@msg)'), 'expected: 0\n\tgot: 1');
});

test.run();
