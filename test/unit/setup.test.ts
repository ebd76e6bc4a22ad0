import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderDropIn, renderServiceUnit, renderSysctlConf, SYSCTL_CONF, unitName } from '../../harness/runner/setup.js';
import { shellQuote } from '../../harness/util/quote.js';
import { fingerprintOf } from '../../harness/guest/guest.js';
import type { ServiceSpec } from '../../harness/scenario/types.js';

const at = { file: 's.yaml', line: 1, col: 1 };

test('an exec service becomes NAME.service with its user and settings', () => {
  const service: ServiceSpec = { name: 'probe', exec: '/usr/bin/sleep infinity', user: { kind: 'dynamic' }, serviceConfig: { PrivateTmp: 'yes', Environment: ['A=1', 'B=2'] }, at };
  assert.is(unitName(service), 'probe.service');
  assert.is(
    renderServiceUnit(service),
    '[Unit]\nDescription=harness service probe\n\n[Service]\nExecStart=/usr/bin/sleep infinity\nDynamicUser=yes\nPrivateTmp=yes\nEnvironment=A=1\nEnvironment=B=2\n',
  );
  assert.match(renderServiceUnit({ ...service, user: { kind: 'static', name: 'alice' } }), /\nUser=alice\n/);
  assert.not.match(renderServiceUnit({ ...service, user: { kind: 'root' } }), /User=|DynamicUser/);
});

test('an existing unit gets a drop-in only when there is something to add', () => {
  const ssh: ServiceSpec = { name: 'ssh', unit: 'ssh.service', user: { kind: 'root' }, serviceConfig: {}, at };
  assert.is(unitName(ssh), 'ssh.service');
  assert.is(renderDropIn(ssh), undefined);
  assert.is(renderDropIn({ ...ssh, serviceConfig: { Nice: '5' } }), '[Service]\nNice=5\n');
});

test('the scenario\'s sysctls go into a sysctl.d file that sorts after the image\'s own, so a reboot applies them again', () => {
  assert.is(SYSCTL_CONF, '/etc/sysctl.d/zz-harness.conf');
  assert.ok('zz-harness.conf' > '99-sysctl.conf', 'later in systemd-sysctl\'s order than Debian\'s last file');
  assert.is(renderSysctlConf({}), undefined);
  assert.is(
    renderSysctlConf({ 'vm.swappiness': '13', 'kernel.printk': '4 4 1 7', 'net/ipv4/ip_forward': '1' }),
    "# The scenario's `sysctl:`, written by the harness: systemd-sysctl applies it at every boot.\nvm.swappiness = 13\nkernel.printk = 4 4 1 7\nnet/ipv4/ip_forward = 1\n",
  );
});

test('shell quoting survives quotes, spaces and metacharacters', () => {
  assert.is(shellQuote('/usr/bin/id'), '/usr/bin/id');
  assert.is(shellQuote("it's $(bad) `x`"), `'it'\\''s $(bad) \`x\`'`);
});

test('host key fingerprints are written as ssh-keygen -l writes them', () => {
  assert.is(fingerprintOf(Buffer.from('key')), 'SHA256:LHDhK3oGRvkiefQnx7OOczTY5Tic/xZ6HcMOc/gmtoM');
});

test.run();
