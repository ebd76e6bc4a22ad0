// Randomly damaged scenarios: the loader may accept or refuse them, but it must always
// refuse with ScenarioErrors, never crash with some other exception.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ScenarioError, ScenarioErrors } from '../../harness/scenario/errors.js';
import { loadScenarioText } from '../../harness/load/load.js';

const VALID = `name: fuzz base
description: a scenario that uses most keys
tags: [fuzz, smoke]
image: [debian-bookworm, debian-trixie]
timeout: 5m
vm:
  memory: 1024
  cpus: 2
  threads: 2
  cpuModel: host
  kernelParams: [nosmt]
  accel: auto
files:
  /etc/motd:
    content: |
      hello
    mode: "0644"
    owner: root
sysctl:
  user.max_user_namespaces: 0
services:
  probe:
    exec: /usr/bin/sleep infinity
    user: dynamic
    serviceConfig:
      PrivateTmp: true
      Environment: [A=1, B=2]
  ssh:
    unit: ssh.service
steps:
  - start: probe
  - name: namespaces are off
    run: unshare --user true
    user: nobody
    expect:
      exit: 1
      stdout: ""
      stderr: {contains: "No space left", not: {matches: "^x"}}
    within: 30s
    every: 1s
  - file: /etc/motd
    expect: {exists: true, content: hello, mode: "0644", owner: root}
  - unit: probe
    expect: {ActiveState: active, SubState: {equals: running}}
  - restart: ssh
  - stop: probe
`;

/** mulberry32: small, seeded, the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = (lines: string[], pick: (n: number) => number) => string[];

const REPLACEMENTS = ['[a, b]', '{x: 1}', '42', '-1', 'true', '~', '""', '[]', '{}', '"0644"', '0644', '*nope', '&a x', '!tag x', '|\n  block'];

const MUTATIONS: Record<string, Mutation> = {
  'delete a line': (lines, pick) => lines.filter((_, i) => i !== pick(lines.length)),
  'duplicate a line': (lines, pick) => {
    const i = pick(lines.length);
    return [...lines.slice(0, i + 1), lines[i], ...lines.slice(i + 1)];
  },
  'change indentation': (lines, pick) => {
    const i = pick(lines.length);
    const copy = [...lines];
    copy[i] = pick(2) ? `  ${copy[i]}` : copy[i].replace(/^ {1,2}/, '');
    return copy;
  },
  'swap two characters': (lines, pick) => {
    const text = lines.join('\n');
    const i = pick(text.length - 1);
    return (text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2)).split('\n');
  },
  'replace a scalar': (lines, pick) => {
    const copy = [...lines];
    const candidates = copy.map((line, i) => (/:\s*\S/.test(line) ? i : -1)).filter((i) => i >= 0);
    const i = candidates[pick(candidates.length)];
    copy[i] = copy[i].replace(/:\s+.*$/, `: ${REPLACEMENTS[pick(REPLACEMENTS.length)]}`);
    return copy;
  },
  'insert a stray character': (lines, pick) => {
    const text = lines.join('\n');
    const i = pick(text.length);
    return (text.slice(0, i) + '{}[]:-#&*!|>\'"\t,?%@`'[pick(21)] + text.slice(i)).split('\n');
  },
};

function mutate(text: string, random: () => number, count: number): { text: string; applied: string[] } {
  const pick = (n: number) => Math.floor(random() * n);
  const names = Object.keys(MUTATIONS);
  let lines = text.split('\n');
  const applied: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = names[pick(names.length)];
    lines = MUTATIONS[name](lines, pick);
    applied.push(name);
  }
  return { text: lines.join('\n'), applied };
}

test('the base scenario is valid', () => {
  const s = loadScenarioText(VALID, 'fuzz.yaml', {});
  assert.is(s.steps.length, 6);
});

test('300 seeded mutations never crash the loader', () => {
  const random = prng(20240611);
  let accepted = 0;
  let refused = 0;
  for (let round = 0; round < 300; round++) {
    const { text, applied } = mutate(VALID, random, 1 + Math.floor(random() * 3));
    try {
      loadScenarioText(text, 'fuzz.yaml', {});
      accepted++;
    } catch (err) {
      if (!(err instanceof ScenarioErrors)) {
        assert.unreachable(`round ${round} (${applied.join(', ')}) threw ${String(err)}\n${(err as Error).stack}\n--- text ---\n${text}`);
      }
      const errors = (err as ScenarioErrors).errors;
      assert.ok(errors.length > 0, `round ${round}: ScenarioErrors without errors`);
      for (const e of errors) {
        assert.instance(e, ScenarioError);
        assert.ok(e.line >= 1 && e.col >= 1, `round ${round}: position ${e.line}:${e.col}`);
      }
      refused++;
    }
  }
  // Both outcomes occur, or the mutations are too mild (or too wild) to test anything.
  assert.ok(accepted > 0, `accepted ${accepted}`);
  assert.ok(refused > 100, `refused ${refused}`);
});

test.run();
