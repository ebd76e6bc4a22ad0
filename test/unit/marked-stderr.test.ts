// A command's stderr as the guest sends it: the pid line its shell writes first is taken
// off (and read), wherever the chunks happen to split; anything else is the command's own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MarkedStderr } from '../../harness/guest/guest.js';

const read = (...chunks: string[]) => {
  const stderr = new MarkedStderr();
  for (const chunk of chunks) stderr.push(Buffer.from(chunk, 'latin1'));
  return { pid: stderr.pid, text: stderr.text() };
};

test('the pid line is read and taken off, in one chunk or split anywhere', () => {
  assert.equal(read('\x01harness-pid 4242\nboom\n'), { pid: 4242, text: 'boom\n' });
  assert.equal(read('\x01harn', 'ess-pid 42', '42\n', 'bo', 'om\n'), { pid: 4242, text: 'boom\n' });
});

test('a shell that never wrote the line (a syntax error) keeps all its stderr', () => {
  assert.equal(read('bash: -c: line 1: syntax error\n'), { pid: undefined, text: 'bash: -c: line 1: syntax error\n' });
  assert.equal(read('\x01', 'other\n'), { pid: undefined, text: '\x01other\n' });
});

test('only the first line is the harness\'s: the same text later is the command\'s', () => {
  assert.equal(read('\x01harness-pid 7\n\x01harness-pid 1\n'), { pid: 7, text: '\x01harness-pid 1\n' });
});

test('a pid line cut short is dropped, and no stderr at all is empty', () => {
  assert.equal(read('\x01harness-pid 12'), { pid: undefined, text: '' });
  assert.equal(read(), { pid: undefined, text: '' });
});

test.run();
