// schema/scenario.schema.json is what editors use (through `# yaml-language-server:
// $schema=…`); the loader is what the harness uses. This test keeps them in agreement:
// every shipped scenario and the reference's example are accepted by both, and every file
// of the bad-input corpus is refused by YAML or by the schema, except the few whose fault
// only the loader can see (it needs to relate two places in the file); those are listed
// here with the reason, and the list is checked to be exact.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parseDocument } from 'yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stepDefinitions } from '../../harness/checks/kind-schema.js';
import { STEP_KINDS } from '../../harness/checks/kinds.js';
import { loadScenarioText } from '../../harness/load/load.js';
import { REPO_ROOT } from '../support/harness.js';

const SCHEMA_FILE = path.join(REPO_ROOT, 'schema/scenario.schema.json');
const CORPUS = path.join(REPO_ROOT, 'test/fixtures/invalid');

/** Faults JSON Schema cannot express; the loader reports each one. */
const LOADER_ONLY: Record<string, string> = {
  'cpus-not-multiple-of-threads.yaml': 'arithmetic between two keys',
  'run-in.yaml': '`in:` must name a service declared elsewhere in the file',
  'undeclared-service.yaml': 'a step must name a service declared elsewhere in the file',
  'undeclared-service-unit-step.yaml': 'a step must name a service declared elsewhere in the file',
  'guest-service-of-another.yaml': 'a step must name a service of the guest it runs on, declared elsewhere in the file',
  'saved-value-unknown.yaml': '`${{ NAME }}` must name a value an earlier step saves: a reference inside text, and a relation between two steps',
  'expect-variant-without-when.yaml': 'only the last per-version expectation may leave out `when:`: a rule about an item\'s place in its list',
};

function compile() {
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: true });
  // As the loader reads `matches:` (editors bring their own check of this format).
  ajv.addFormat('regex', (text: string) => {
    try {
      new RegExp(text, 'm');
      return true;
    } catch {
      return false;
    }
  });
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
}
const validate = compile();

type Verdict = { ok: true } | { ok: false; by: 'yaml' | 'schema'; why: string };

/** What an editor would say: a YAML error, a schema error, or nothing. */
function schemaVerdict(text: string): Verdict {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0 || doc.warnings.length > 0) return { ok: false, by: 'yaml', why: [...doc.errors, ...doc.warnings][0].message };
  if (validate(doc.toJS())) return { ok: true };
  return { ok: false, by: 'schema', why: JSON.stringify(validate.errors?.slice(0, 3)) };
}

function loaderAccepts(text: string, file: string): boolean {
  try {
    loadScenarioText(text, file);
    return true;
  } catch {
    return false;
  }
}

function yamlFilesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(dir, f)).sort();
}

const shipped = yamlFilesUnder(path.join(REPO_ROOT, 'scenarios'));

test('the schema itself compiles under Ajv (strict mode)', () => {
  assert.type(validate, 'function');
});

test('the schema\'s steps are the step kinds\' (npm run schema writes them)', () => {
  const { definitions } = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));
  const made = stepDefinitions(definitions);
  assert.equal(Object.keys(made), [...STEP_KINDS.map((kind) => `${kind.name}Step`), 'step']);
  for (const [name, definition] of Object.entries(made)) assert.equal(definitions[name], definition, `definitions.${name} is stale: run npm run schema`);
  const inFile = Object.keys(definitions).filter((name) => /Step$/.test(name));
  assert.equal(inFile, STEP_KINDS.map((kind) => `${kind.name}Step`), 'a kind the harness no longer has is still in the schema');
});

test('there are shipped scenarios to check', () => {
  assert.ok(shipped.length >= 10, `${shipped.length} files`);
});

for (const file of shipped) {
  const rel = path.relative(REPO_ROOT, file);
  test(`shipped ${rel}: accepted by the loader and the schema`, () => {
    const text = readFileSync(file, 'utf8');
    assert.ok(loaderAccepts(text, file), `the loader refuses ${rel}`);
    const verdict = schemaVerdict(text);
    assert.ok(verdict.ok, `the schema refuses ${rel}: ${!verdict.ok && verdict.why}`);
  });

  test(`shipped ${rel}: names the schema for editors on its first line`, () => {
    const first = readFileSync(file, 'utf8').split('\n')[0];
    const match = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    assert.ok(match, `${rel} line 1: ${first}`);
    assert.is(path.resolve(path.dirname(file), match![1]), SCHEMA_FILE);
  });
}

test('the example in docs/scenarios.md: accepted by the loader and the schema', () => {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/scenarios.md'), 'utf8');
  const example = /```yaml\n([\s\S]*?)```/.exec(doc)![1];
  assert.ok(loaderAccepts(example, 'docs/scenarios.md'), 'the loader refuses the reference example');
  const verdict = schemaVerdict(example);
  assert.ok(verdict.ok, `the schema refuses the reference example: ${!verdict.ok && verdict.why}`);
});

const corpus = readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort();

for (const name of corpus) {
  const text = readFileSync(path.join(CORPUS, name), 'utf8');
  if (name in LOADER_ONLY) {
    test(`invalid ${name}: refused by the loader only (${LOADER_ONLY[name]})`, () => {
      assert.not.ok(loaderAccepts(text, name));
      // Should the schema learn to refuse it, this entry goes from the list.
      assert.ok(schemaVerdict(text).ok, `${name} is now refused by the schema: remove it from LOADER_ONLY`);
    });
  } else {
    test(`invalid ${name}: refused by YAML or the schema`, () => {
      assert.not.ok(schemaVerdict(text).ok, `the schema accepts ${name}, which the loader refuses`);
    });
  }
}

test('loader-only faults are few', () => {
  assert.ok(Object.keys(LOADER_ONLY).every((name) => corpus.includes(name)), 'every listed file exists');
  assert.ok(Object.keys(LOADER_ONLY).length <= corpus.length / 8);
});

// Faults beyond the corpus, each refused by both.
const BOTH_REFUSE: Record<string, string> = {
  'a file expected absent with a mode': 'name: x\nimage: d\nsteps:\n  - file: /etc/x\n    expect: {exists: false, mode: "0644"}\n',
  'a written service named .service': 'name: x\nimage: d\nservices:\n  probe.service:\n    exec: /bin/true\nsteps:\n  - start: probe.service\n',
  'RootDirectoryStartOnly=yes with confinement': 'name: x\nimage: d\nservices:\n  p:\n    exec: /bin/true\n    serviceConfig: {RootDirectoryStartOnly: "yes"}\n    confinement:\nsteps:\n  - start: p\n',
  'RootDirectoryStartOnly as a list with confinement': 'name: x\nimage: d\nservices:\n  p:\n    exec: /bin/true\n    serviceConfig: {RootDirectoryStartOnly: [no, yes]}\n    confinement:\nsteps:\n  - start: p\n',
  'PrivateTmp as a list with confinement': 'name: x\nimage: d\nservices:\n  p:\n    exec: /bin/true\n    serviceConfig: {PrivateTmp: [no, yes]}\n    confinement: {}\nsteps:\n  - start: p\n',
  'a zero timeout': 'name: x\nimage: d\ntimeout: 0s\nsteps:\n  - run: "true"\n',
  'run with both user and in': 'name: x\nimage: d\nservices:\n  p:\n    exec: /bin/true\nsteps:\n  - run: id\n    user: root\n    in: p\n',
  'an empty matcher': 'name: x\nimage: d\nsteps:\n  - run: id\n    expect: {stdout: {}}\n',
  'an access path that is not absolute': 'name: x\nimage: d\nservices:\n  p:\n    exec: /bin/true\nsteps:\n  - chroot: p\n    expect: {access: {run: writable}}\n',
  'a service with neither exec nor unit': 'name: x\nimage: d\nservices:\n  p:\n    user: root\nsteps:\n  - start: p\n',
  'exit above 255': 'name: x\nimage: d\nsteps:\n  - run: id\n    expect: {exit: 256}\n',
  'an exit status as text': 'name: x\nimage: d\nsteps:\n  - run: id\n    expect: {exit: "0"}\n',
  'a timeout without a unit': 'name: x\nimage: d\ntimeout: 10\nsteps:\n  - run: "true"\n',
  'zero cpus': 'name: x\nimage: d\nvm: {cpus: 0}\nsteps:\n  - run: "true"\n',
  'a user name with a blank': 'name: x\nimage: d\nservices:\n  p:\n    exec: /bin/true\n    user: bad user\nsteps:\n  - start: p\n',
  'a start step without a service': 'name: x\nimage: d\nsteps:\n  - start:\n',
  'tags as one string': 'name: x\nimage: d\ntags: smoke\nsteps:\n  - run: "true"\n',
  'file content as a number': 'name: x\nimage: d\nfiles:\n  /etc/x: {content: 1}\nsteps:\n  - run: "true"\n',
  'a null serviceConfig value': 'name: x\nimage: d\nservices:\n  p:\n    exec: /bin/true\n    serviceConfig: {PrivateTmp: null}\nsteps:\n  - start: p\n',
  'a relative confinement package': 'name: x\nimage: d\nservices:\n  p:\n    exec: /bin/true\n    confinement: {packages: [usr/bin/id]}\nsteps:\n  - start: p\n',
  'entries.exactly as one string': 'name: x\nimage: d\nservices:\n  p:\n    exec: /bin/true\nsteps:\n  - chroot: p\n    expect: {entries: {exactly: bin}}\n',
  'an empty unit expectation': 'name: x\nimage: d\nservices:\n  p:\n    exec: /bin/true\nsteps:\n  - unit: p\n    expect: {}\n',
  'an empty journal matcher': 'name: x\nimage: d\nservices:\n  p:\n    exec: /bin/true\nsteps:\n  - journal: p\n    expect: {}\n',
  'a pam outcome that is not success or failure': 'name: x\nimage: d\nsteps:\n  - pam: {service: login, user: root, op: auth}\n    expect: ok\n',
  'an image listed twice': 'name: x\nimage: [a, a]\nsteps:\n  - run: "true"\n',
  'a blank name': 'name: " "\nimage: d\nsteps:\n  - run: "true"\n',
  'a mode with a 9': 'name: x\nimage: d\nsteps:\n  - file: /etc/x\n    expect: {mode: "0999"}\n',
  'expect on a start step': 'name: x\nimage: d\nservices:\n  p:\n    exec: /bin/true\nsteps:\n  - start: p\n    expect: {exit: 0}\n',
  'a description that is a number': 'name: x\ndescription: 5\nimage: d\nsteps:\n  - run: "true"\n',
};

for (const [what, text] of Object.entries(BOTH_REFUSE)) {
  test(`refused by both: ${what}`, () => {
    assert.not.ok(loaderAccepts(text, 'x.yaml'), 'the loader accepts it');
    assert.not.ok(schemaVerdict(text).ok, 'the schema accepts it');
  });
}

// Valid forms worth pinning: the schema must not be stricter than the loader.
const BOTH_ACCEPT: Record<string, string> = {
  'confinement with every default (empty)': 'name: x\nimage: d\nservices:\n  p:\n    exec: /bin/true\n    confinement:\nsteps:\n  - start: p\n',
  'binSh null, an image list, a compound duration': 'name: x\nimage: [a, b]\ntimeout: 1m30s\nservices:\n  p:\n    exec: -/bin/true\n    confinement: {binSh: null, mode: chroot-only}\nsteps:\n  - start: p\n    within: 2s\n    every: 250ms\n',
  'one boolean for PrivateTmp and RootDirectoryStartOnly with confinement': 'name: x\nimage: d\nservices:\n  p:\n    exec: /bin/true\n    serviceConfig: {PrivateTmp: "on", RootDirectoryStartOnly: false}\n    confinement: {}\n  q:\n    exec: /bin/true\n    serviceConfig: {PrivateTmp: 0, RootDirectoryStartOnly: "n"}\n    confinement: {}\nsteps:\n  - start: p\n',
  'RootDirectory, PrivateTmp disconnected and a list without confinement': 'name: x\nimage: d\nservices:\n  p:\n    exec: /bin/true\n    serviceConfig: {RootDirectory: /srv, PrivateTmp: disconnected, RootDirectoryStartOnly: [no, yes]}\nsteps:\n  - start: p\n',
  'an existing unit named with .service': 'name: x\nimage: d\nservices:\n  ssh.service:\n    unit: ssh.service\nsteps:\n  - unit: ssh.service\n    expect: {ActiveState: active, NoNewPrivileges: true}\n',
  'matchers: scalars, nested not, list matchers': 'name: x\nimage: d\nservices:\n  p:\n    exec: /bin/true\nsteps:\n  - run: echo 1\n    expect: {stdout: 1, stderr: {not: {contains: err}}}\n  - chroot: p\n    expect: {entries: {includes: [bin], not: {includes: [etc]}}, access: {default: readable, /run: writable}}\n',
};

for (const [what, text] of Object.entries(BOTH_ACCEPT)) {
  test(`accepted by both: ${what}`, () => {
    assert.ok(loaderAccepts(text, 'x.yaml'), 'the loader refuses it');
    const verdict = schemaVerdict(text);
    assert.ok(verdict.ok, `the schema refuses it: ${!verdict.ok && verdict.why}`);
  });
}

// `when:` and per-version `expect:` lists come with the matrix branch's loader; the schema
// knows them already, checked here against the schema alone until that loader is merged
// (then these belong in BOTH_ACCEPT, and its corpus's when-*.yaml files join the loop above).
const SCHEMA_KNOWS_WHEN: Record<string, [string, boolean]> = {
  'a step-level when': ['name: x\nimage: d\nsteps:\n  - run: "true"\n    when: {systemd: ">=254 <257", base-files: 12}\n', true],
  'per-version expectations, pam with is:': ['name: x\nimage: d\nsteps:\n  - run: id\n    expect:\n      - when: {systemd: "<257"}\n        exit: 1\n      - exit: 0\n  - pam: {service: login, user: root, op: auth}\n    expect:\n      - {when: {login: ">=1:4.13"}, is: success}\n      - {is: failure}\n', true],
  'a reversed operator': ['name: x\nimage: d\nsteps:\n  - run: "true"\n    when: {systemd: "=>257"}\n', false],
  'an unquoted version with a dot': ['name: x\nimage: d\nsteps:\n  - run: "true"\n    when: {util-linux: 2.40}\n', false],
  'an empty when': ['name: x\nimage: d\nsteps:\n  - run: "true"\n    when: {}\n', false],
  'a package name in capitals': ['name: x\nimage: d\nsteps:\n  - run: "true"\n    when: {Systemd: "257"}\n', false],
};

for (const [what, [text, valid]] of Object.entries(SCHEMA_KNOWS_WHEN)) {
  test(`the schema on \`when:\`: ${what} is ${valid ? 'accepted' : 'refused'}`, () => {
    assert.is(schemaVerdict(text).ok, valid, JSON.stringify(schemaVerdict(text)));
  });
}

test.run();
