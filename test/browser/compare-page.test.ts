// The compare page in a real browser: Debian's chromium, headless, driven by puppeteer-core
// (which brings no browser of its own). It must render the grid from the file alone, ask
// the network for nothing, mark the changed cells, and open a cell to what was observed.
// The page and a screenshot are kept under reports/ for a person to look at.
import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildComparison } from '../../harness/compare/model.js';
import { readReportFile } from '../../harness/compare/read-junit.js';
import { renderCompareHtml } from '../../harness/compare/render-html.js';
import { REPO_ROOT } from '../support/harness.js';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/compare');
const OUT_DIR = path.join(REPO_ROOT, 'reports');
const PAGE = path.join(OUT_DIR, 'compare-page.html');
const SCREENSHOT = path.join(OUT_DIR, 'compare-page.png');
const HIGHLIGHT = 'rgb(255, 248, 197)';

let browser: Browser;
let page: Page;
const problems: string[] = [];
const requests: string[] = [];

async function chromiumPath(): Promise<string> {
  const found = await execa('sh', ['-c', 'command -v chromium'], { reject: false });
  if (found.exitCode !== 0) throw new Error('chromium is not installed: run scripts/host-deps.sh (Debian package "chromium")');
  return found.stdout.trim();
}

test.before(async () => {
  const suites = [...(await readReportFile(path.join(FIXTURES, 'bookworm.xml'))), ...(await readReportFile(path.join(FIXTURES, 'trixie.xml')))];
  await mkdir(OUT_DIR, { recursive: true });
  await writeFile(PAGE, renderCompareHtml(buildComparison(suites)));
  browser = await puppeteer.launch({ executablePath: await chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('pageerror', (err) => problems.push(`page error: ${String(err)}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warn') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(pathToFileURL(PAGE).href, { waitUntil: 'load' });
});

test.after(async () => {
  await browser?.close();
});

test('the grid renders: a row per step, a column per image', async () => {
  const headers = await page.$$eval('table.grid thead th', (ths) => ths.map((th) => th.textContent));
  assert.equal(headers, ['step', 'debian-bookworm (systemd 252)', 'debian-trixie (systemd 257)']);
  assert.is(await page.$$eval('table.grid td.cell', (tds) => tds.length), 24);
  assert.is(await page.$$eval('table.grid tr.scenario', (trs) => trs.length), 2);
});

test('changed cells are marked and highlighted; unchanged ones are not', async () => {
  const changed = await page.$$eval('td.cell.changed', (tds) =>
    tds.map((td) => ({ step: td.closest('tr')!.querySelector('th')!.textContent, outcome: td.getAttribute('data-outcome'), background: getComputedStyle(td).backgroundColor })),
  );
  assert.equal(
    changed.map((c) => [c.step, c.outcome]),
    [
      ['the chroot holds the closure and a sticky /tmp chroot', 'passed'],
      ['pam_unix required lets root through pam', 'failed'],
    ],
  );
  for (const cell of changed) assert.is(cell.background, HIGHLIGHT);
  const plain = await page.$eval('td.cell:not(.changed)', (td) => getComputedStyle(td).backgroundColor);
  assert.is.not(plain, HIGHLIGHT);
});

test('a cell opens to what the guest observed', async () => {
  const cell = 'td.cell.changed[data-outcome="passed"]';
  assert.is(await page.$eval(`${cell} details`, (d) => (d as HTMLDetailsElement).open), false);
  assert.is(await page.$eval(`${cell} pre`, (pre) => pre.checkVisibility()), false, 'closed: nothing shown');
  await page.click(`${cell} summary`);
  assert.is(await page.$eval(`${cell} details`, (d) => (d as HTMLDetailsElement).open), true);
  const shown = await page.$eval(`${cell} details`, (d) => ({ visible: d.querySelector('pre')!.checkVisibility(), text: (d as HTMLElement).innerText }));
  assert.ok(shown.visible, 'open: the record is visible');
  assert.match(shown.text, 'changed since debian-bookworm (systemd 252)');
  assert.match(shown.text, 'entries: −dev −etc −proc −root −sys');
  assert.match(shown.text, '/tmp  sticky');
});

test('a link in the list of changed outcomes opens its cell', async () => {
  await page.click('#outcome-changes a');
  await page.waitForFunction(() => location.hash.startsWith('#cell-'));
  const opened = await page.evaluate(() => {
    const cell = document.getElementById(decodeURIComponent(location.hash.slice(1)))!;
    return { open: cell.querySelector('details')!.open, text: cell.innerText };
  });
  assert.ok(opened.open);
  assert.match(opened.text, 'result: failure');
});

test('"only steps that changed" hides the rest', async () => {
  const visibleRows = () => page.$$eval('tr.step', (trs) => trs.filter((tr) => tr.checkVisibility()).length);
  assert.is(await visibleRows(), 12);
  await page.click('#only-changed');
  assert.is(await visibleRows(), 2);
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  await page.click('#only-changed');
});

test('the page asked the network for nothing and raised no error', async () => {
  assert.equal(requests.filter((url) => !url.startsWith('file://')), []);
  assert.equal(problems, []);
  // full page, every cell closed but the linked one: for a person to look at
  await page.screenshot({ path: SCREENSHOT.replace('.png', '-full.png'), fullPage: true });
});

test.run();
