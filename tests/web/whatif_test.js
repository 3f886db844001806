// The what-if page in a real browser, against `rightsize serve` on a free loopback port: it loads,
// answers the default study's question with the verdict `rightsize crossover` gives, and the
// verdict text and the cost chart change when the traffic or the price kind changes. A bad
// request gets HTTP 400 with the CLI's one-line message.
// Usage: node whatif_test.js RIGHTSIZE SOURCE_DIR ARTEFACT_DIR
'use strict';

const { execFileSync, spawn, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const { launch, watchErrors, check, failed } = require('./browser');

const ANSWER_TIMEOUT_MS = 40000;

function startServer(cli) {
  const server = spawn(cli, ['serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: server.stdout }).once('line', (line) => {
      const m = line.match(/(http:\/\/\S+)/);
      if (m) resolve({ server, url: m[1] }); else reject(new Error('serve printed: ' + line));
    });
    server.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
}

// Waits for the page's answer number n (body[data-answers]).
async function answer(page, n) {
  await page.waitForFunction((k) => +(document.body.dataset.answers || 0) >= k,
    { timeout: ANSWER_TIMEOUT_MS }, n);
  return page.evaluate(() => ({
    verdict: [...document.querySelectorAll('.verdict-text')].map((p) => p.textContent).join(' '),
    status: document.getElementById('status').textContent,
    cost: document.getElementById('cost-chart').toDataURL(),
  }));
}

async function main() {
  const [cli, sourceDir, artefacts] = process.argv.slice(2);
  fs.mkdirSync(artefacts, { recursive: true });
  const study = path.join(sourceDir, 'examples', 'default-study.yaml');
  const expected = JSON.parse(execFileSync(cli, ['crossover', study, '--format', 'json'],
    { encoding: 'utf8' }));
  const { server, url } = await startServer(cli);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 1000 });
    const errors = watchErrors(page);
    await page.goto(url, { waitUntil: 'load' });
    const first = await answer(page, 1);
    const cliVerdict = expected.pairs[0].verdict;
    check(first.verdict.includes(cliVerdict),
      `the page answers the default study's question as the CLI does: "${first.verdict}"`);
    check(/P = \d+%/.test(first.verdict), 'the verdict states P');
    await page.screenshot({ path: path.join(artefacts, 'whatif.png'), fullPage: true });

    // Traffic: the slider's far end (the study's sweep maximum).
    await page.$eval('#traffic', (el) => {
      el.value = el.max;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const busier = await answer(page, 2);
    check(busier.verdict !== first.verdict, `traffic changes the verdict: "${busier.verdict}"`);
    check(busier.cost !== first.cost, 'traffic changes the cost chart');

    // Price kind: spot prices only.
    await page.select('#price-kind', 'cloud-spot');
    const spot = await answer(page, 3);
    check(spot.verdict !== busier.verdict, `price kind changes the verdict: "${spot.verdict}"`);
    check(spot.cost !== busier.cost, 'price kind changes the cost chart');
    check(spot.status.includes('cloud-spot'), `the answer names the price kind: "${spot.status}"`);
    await page.screenshot({ path: path.join(artefacts, 'whatif-spot.png'), fullPage: true });

    // Chromium logs a 400 response as a console error: the page's errors are counted before it.
    const pageErrors = [...errors];
    // A bad SLO key: 400 and the message `rightsize crossover --slo` prints.
    const bad = await page.evaluate(async () => {
      const r = await fetch('api/whatif', { method: 'POST', body: '{"slo": {"ttft_p42_s": 1}}' });
      return { status: r.status, body: await r.json() };
    });
    const cliError = spawnSync(cli, ['crossover', study, '--slo', 'ttft_p42_s=1'],
      { encoding: 'utf8' }).stderr.trim().replace(/^rightsize: error: /, '');
    check(bad.status === 400, `a bad request gets HTTP 400 (got ${bad.status})`);
    check(bad.body.error === cliError,
      `with the CLI's message: "${bad.body.error}" vs "${cliError}"`);
    check(pageErrors.length === 0,
      'no console errors' + (pageErrors.length ? ': ' + pageErrors.join('; ') : ''));
  } finally {
    await browser.close();
    server.kill();
  }
  process.exit(failed() ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
