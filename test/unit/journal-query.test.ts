// The journal step's query: the unit's own processes' lines and systemd's lines about it,
// from any pid (see journalQuery for the race that made `journalctl -u` miss a line).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { journalQuery } from '../../harness/checks/journal.js';

test('a unit\'s journal: its processes (_SYSTEMD_UNIT) or systemd about it (UNIT=, from any pid), ORed', () => {
  assert.is(
    journalQuery('isolated.service', '--since @1700000000'),
    'journalctl --since @1700000000 --no-pager -q _SYSTEMD_UNIT=isolated.service + UNIT=isolated.service + OBJECT_SYSTEMD_UNIT=isolated.service + COREDUMP_UNIT=isolated.service',
  );
});

test('a unit name with shell metacharacters stays one word per match', () => {
  assert.match(journalQuery("a'b.service", '-b'), `'_SYSTEMD_UNIT=a'\\''b.service' + 'UNIT=a'\\''b.service'`);
});

test.run();
