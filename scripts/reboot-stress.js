#!/usr/bin/env node
// `make stress`: one guest reboots REBOOTS times in a row (default 30) while a second guest
// of the same scenario keeps both host cores busy, through the harness as users run it.
// Prints how many reboots came back, how many were lost and how long they took, and exits
// 1 when one was lost. The scenario it runs is written to reports/stress/reboots.yaml.
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const reboots = Number(process.env.REBOOTS ?? 30);
const image = process.env.IMAGE ?? 'debian-bookworm';
const dir = 'reports/stress';
const scenario = path.join(dir, 'reboots.yaml');
const junit = path.join(dir, 'junit.xml');

const steps = [
  '  - name: the load guest keeps its two vCPUs (and so both host cores) busy',
  '    on: load',
  "    run: for i in 1 2 3 4; do nohup sh -c 'while :; do :; done' >/dev/null 2>&1 & done",
];
for (let i = 1; i <= reboots; i++) {
  steps.push(`  - name: reboot ${i} of ${reboots}`, '    on: target', '    reboot:', '    within: 10m');
}
await mkdir(dir, { recursive: true });
await writeFile(
  scenario,
  `name: stress, ${reboots} reboots under load
image: ${image}
timeout: ${10 * reboots + 10}m
guests:
  target: {}
  load: {}
steps:
${steps.join('\n')}
`,
);

const started = Date.now();
const code = await new Promise((resolve) => {
  const child = spawn('node', ['bin/harness.js', 'run', scenario, '--junit', junit, '--reporter', 'dot,junit'], { stdio: 'inherit' });
  child.on('close', (status) => resolve(status ?? 1));
});
const xml = await readFile(junit, 'utf8').catch(() => '');
const cases = [...xml.matchAll(/<testcase name="reboot (\d+) of \d+"[^>]*time="([\d.]+)"(\s*\/>|>([\s\S]*?)<\/testcase>)/g)];
const lost = cases.filter((c) => /<(failure|error)\b/.test(c[4] ?? ''));
const skipped = cases.filter((c) => /<skipped\b/.test(c[4] ?? ''));
const back = cases.length - lost.length - skipped.length;
const times = cases.filter((c) => !/<(failure|error|skipped)\b/.test(c[4] ?? '')).map((c) => Number(c[2])).sort((a, b) => a - b);
const pick = (q) => (times.length ? times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(1) : '-');
console.log(`\nreboots under load on ${image}: ${back} of ${reboots} came back, ${lost.length} lost, ${skipped.length} not reached; ` +
  `each took p50 ${pick(0.5)} s, max ${pick(1)} s; ${((Date.now() - started) / 60000).toFixed(1)} min in all (harness exit ${code})`);
for (const c of lost) console.log(`  lost: reboot ${c[1]}: ${/message="([^"]*)"/.exec(c[4])?.[1] ?? ''}`);
process.exit(lost.length || back !== reboots ? 1 : 0);
