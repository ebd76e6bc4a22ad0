// How a NixOS refusal is recorded in the confinement table (test/support/nixos-refusal.ts):
// in this project's words naming the option or settings, Nix's own message for a value of the
// wrong type kept, and never nixpkgs' text (an assertion's message, lib's wording, a line of
// the module), which is only shown. The stderr here is made up in Nix's layout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertionRefusal, errorRefusal } from '../support/nixos-refusal.js';

const MODULE = '/somewhere/nixpkgs/nixos/modules/security/systemd-confinement.nix';

/** stderr as nix-instantiate --show-trace lays it out: the message, then frames with the code line. */
const stderr = (message: string, line: string) => `error: ${message}

       … while evaluating something

       at ${MODULE}:42:7:

           41|   x = {
           42|     ${line}
             |     ^
           43|   };
`;

test('a false assertion: the service settings its message names, not its message', () => {
  const r = assertionRefusal(['Setting Foo of service probe cannot be used with this, nor with Bar here.'], ['Foo', 'Bar', 'Baz', 'Fo']);
  assert.is(r.refused, 'an assertion of the module fails, naming Foo, Bar');
  assert.match(r.said, /^Failed assertions: Setting Foo of service probe/);
  assert.is(assertionRefusal(['nothing known'], ['Foo']).refused, "an assertion of the module fails, naming none of the service's settings");
});

test("a wrong value's type: Nix's message (2.8's and later wording) and the settings the module's line reads, not the line", () => {
  const old = errorRefusal(stderr('value is a string while a Boolean was expected', 'y = isOn config.serviceConfig.PrivateTmp;'), MODULE);
  assert.is(old.refused, 'value is a string while a Boolean was expected, where systemd-confinement.nix reads serviceConfig.PrivateTmp');
  assert.is(old.said, 'value is a string while a Boolean was expected (at systemd-confinement.nix: y = isOn config.serviceConfig.PrivateTmp;)');
  const later = errorRefusal(stderr('expected a Boolean but found a list: [ ]', 'y = g config.serviceConfig.A config.serviceConfig.B;'), MODULE);
  assert.is(later.refused, 'expected a Boolean but found a list, where systemd-confinement.nix reads serviceConfig.A and serviceConfig.B');
  assert.is(errorRefusal(stderr('value is a list while a Boolean was expected', 'y = 1;'), MODULE).refused, 'value is a list while a Boolean was expected (in systemd-confinement.nix)');
});

test("conflicting definitions: the option and where it was defined, not lib's words", () => {
  const message = "Option `a.b.serviceConfig.C' got conflicting definitions:\n       - In `" + MODULE + "': \"x\"\n       - In `the table row': \"y\"\n       Some advice.";
  const r = errorRefusal(`error: ${message}\n`, MODULE);
  assert.is(r.refused, 'conflicting definitions of a.b.serviceConfig.C (in systemd-confinement.nix and the table row)');
  assert.match(r.said, /Some advice\.$/);
});

test('any other failure: named, its words only shown', () => {
  assert.is(errorRefusal('error: The option `a.b' + "' is odd in some way\n", MODULE).refused, "the module system refuses a.b (lib's words are not recorded; the comparison shows them)");
  const thrown = errorRefusal(stderr('some text nixpkgs throws', 'y = throw "…" config.serviceConfig.D;'), MODULE);
  assert.is(thrown.refused, 'the evaluation fails, where systemd-confinement.nix reads serviceConfig.D (its message is not recorded; the comparison shows it)');
  assert.not.match(thrown.refused, /some text/);
});

test.run();
