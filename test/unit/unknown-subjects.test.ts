// Steps and services that name something the guest does not have are errors that name it,
// never a pass on systemd's defaults, PAM's `other` stack or a missing pamtester.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckError } from '../../harness/checks/context.js';
import { pamAnswer, pamCommand } from '../../harness/checks/pam.js';
import { requireKnownUnit } from '../../harness/checks/unit.js';
import { parseShowBlocks, unitNameProblems } from '../../harness/runner/unit-names.js';
import type { ServiceSpec } from '../../harness/scenario/types.js';

const at = { file: 's.yaml', line: 1, col: 1 };

function throwsCheckError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, CheckError);
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable('expected a CheckError');
}

test('a unit systemd does not know is a CheckError naming it; any other load state is judged', () => {
  throwsCheckError(() => requireKnownUnit('ghost.service', new Map([['LoadState', 'not-found'], ['ActiveState', 'inactive']])), /systemd does not know ghost\.service \(LoadState=not-found\)/);
  for (const state of ['loaded', 'masked', 'bad-setting', 'error']) requireKnownUnit('x.service', new Map([['LoadState', state]]));
});

test('pam: a service without /etc/pam.d/SERVICE is a CheckError, not a verdict of the `other` stack', () => {
  const command = pamCommand({ service: 'no-such-pam-service', user: 'root', op: 'acct_mgmt' });
  assert.match(command, /^\[ -e \/etc\/pam\.d\/no-such-pam-service \] \|\| \{ echo '[^']+' >&2; exit 2; \}; pamtester -v no-such-pam-service root acct_mgmt$/);
  const noFile = { exitCode: 2, stdout: '', stderr: 'harness-pam: no such service file\n' };
  throwsCheckError(() => pamAnswer({ service: 'no-such-pam-service' }, noFile), /no \/etc\/pam\.d\/no-such-pam-service: PAM would judge by its `other` stack/);
  assert.match(pamCommand({ service: "it's", user: 'a b', op: 'auth' }), /-e '\/etc\/pam\.d\/it'\\''s' .* pamtester -v 'it'\\''s' 'a b' authenticate$/);
});

test('pam: exit 126 or 127 (no pamtester) is a CheckError; PAM\'s own answers are success or failure', () => {
  throwsCheckError(() => pamAnswer({ service: 'login' }, { exitCode: 127, stdout: '', stderr: 'bash: line 1: pamtester: command not found\n' }), /pamtester could not be run \(exit 127, not found\).*command not found/);
  throwsCheckError(() => pamAnswer({ service: 'login' }, { exitCode: 126, stdout: '', stderr: 'bash: /usr/bin/pamtester: Permission denied\n' }), /exit 126, not executable/);
  assert.equal(pamAnswer({ service: 'login' }, { exitCode: 0, stdout: '', stderr: 'pamtester: successfully acct_mgmt.\n' }), { succeeded: true, said: 'pamtester: successfully acct_mgmt.' });
  assert.equal(pamAnswer({ service: 'login' }, { exitCode: 1, stdout: '', stderr: 'pamtester: Authentication service cannot retrieve authentication info\n' }), {
    succeeded: false,
    said: 'pamtester: Authentication service cannot retrieve authentication info',
  });
});

test('systemctl show of several units is read block by block, in order', () => {
  const blocks = parseShowBlocks('Id=a.service\nNames=a.service\nLoadState=loaded\nFragmentPath=/lib/a\n\nId=b.service\nLoadState=not-found\nFragmentPath=\n');
  assert.is(blocks.length, 2);
  assert.is(blocks[0].get('FragmentPath'), '/lib/a');
  assert.is(blocks[1].get('LoadState'), 'not-found');
  assert.is(blocks[1].get('FragmentPath'), '');
});

const exec = (name: string): ServiceSpec => ({ name, exec: '/usr/bin/sleep infinity', user: { kind: 'root' }, serviceConfig: {}, at });
const existing = (name: string, unit: string): ServiceSpec => ({ name, unit, user: { kind: 'root' }, serviceConfig: {}, at });
const named = (service: ServiceSpec) => ({ service, unit: service.unit ?? `${service.name}.service`, where: `s.yaml:3:3 services.${service.name}` });
const facts = (text: string) => parseShowBlocks(text);

test('a service the harness writes must take a name no unit or alias of the image has', () => {
  const services = [exec('probe'), exec('sshd'), exec('systemd-hostnamed'), exec('hidden')].map(named);
  const said = facts(
    [
      'Id=probe.service\nNames=probe.service\nLoadState=not-found\nFragmentPath=',
      'Id=ssh.service\nNames=ssh.service sshd.service\nLoadState=loaded\nFragmentPath=/lib/systemd/system/ssh.service',
      'Id=systemd-hostnamed.service\nNames=systemd-hostnamed.service dbus-org.freedesktop.hostname1.service\nLoadState=loaded\nFragmentPath=/lib/systemd/system/systemd-hostnamed.service',
      'Id=hidden.service\nNames=hidden.service\nLoadState=masked\nFragmentPath=/etc/systemd/system/hidden.service',
    ].join('\n\n'),
  );
  assert.equal(unitNameProblems(services, said), [
    's.yaml:3:3 services.sshd: service `sshd` would be written as /etc/systemd/system/sshd.service, but the image already has sshd.service as an alias of ssh.service (LoadState=loaded, /lib/systemd/system/ssh.service): writing it would write over ssh.service; name the service otherwise',
    's.yaml:3:3 services.systemd-hostnamed: service `systemd-hostnamed` would be written as /etc/systemd/system/systemd-hostnamed.service, but the image already has a unit systemd-hostnamed.service (LoadState=loaded, /lib/systemd/system/systemd-hostnamed.service); name the service otherwise',
    's.yaml:3:3 services.hidden: service `hidden` would be written as /etc/systemd/system/hidden.service, but the image already has a unit hidden.service (LoadState=masked, /etc/systemd/system/hidden.service); name the service otherwise',
  ]);
});

test('a `unit:` service must name a unit the image has; an alias of one is fine', () => {
  const services = [existing('ssh', 'sshd.service'), existing('ghost', 'no-such-thing.service')].map(named);
  const said = facts('Id=ssh.service\nNames=ssh.service sshd.service\nLoadState=loaded\nFragmentPath=/lib/systemd/system/ssh.service\n\nId=no-such-thing.service\nNames=no-such-thing.service\nLoadState=not-found\nFragmentPath=\n');
  assert.equal(unitNameProblems(services, said), [
    's.yaml:3:3 services.ghost: unit no-such-thing.service: the image has no such unit (systemd: LoadState=not-found); `unit:` names a unit the image already has, `exec:` makes a new one',
  ]);
  assert.equal(unitNameProblems(services, said.slice(0, 1)), ['s.yaml:3:3 services.ghost: systemctl show said nothing of no-such-thing.service']);
});

test.run();
