// Records test/fixtures/nix/closure-listing.txt from a JUnit report of
// scenarios/confinement/nix-store.yaml: what its step "what computeClosures reads for these
// roots" printed in the guest (computeClosures' listing command over the requisites of
// harness-demo.nix's app and tool-link store paths).
//   node bin/harness.js run scenarios/confinement/nix-store.yaml --junit /tmp/nix.xml
//   node scripts/record-nix-fixture.js /tmp/nix.xml
import { writeFile } from 'node:fs/promises';
import { readReportFile } from '../dist/harness/compare/read-junit.js';

const [report = 'reports/junit.xml', out = 'test/fixtures/nix/closure-listing.txt'] = process.argv.slice(2);
const suite = (await readReportFile(report)).find((s) => s.scenario === 'confinement, a real Nix store');
const step = suite?.steps.find((s) => s.name.startsWith('what computeClosures reads'));
if (!step || step.outcome !== 'passed' || typeof step.observed?.stdout !== 'string') {
  console.error(`${report}: no passed "what computeClosures reads" step of the Nix store scenario with its stdout`);
  process.exit(1);
}
await writeFile(out, step.observed.stdout + '\n');
console.log(`wrote ${out} from ${report} (${suite.image}, nix-bin ${suite.properties['package.nix-bin'] ?? 'unknown'})`);
