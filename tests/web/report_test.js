// The default study's report.html in a real browser: written by `rightsize report`, it must show
// no raw Markdown, load every figure, log no console error; a full-page screenshot is kept.
// Usage: node report_test.js RIGHTSIZE SOURCE_DIR ARTEFACT_DIR
'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { launch, watchErrors, check, failed } = require('./browser');

async function main() {
  const [cli, sourceDir, artefacts] = process.argv.slice(2);
  fs.mkdirSync(artefacts, { recursive: true });
  const out = fs.mkdtempSync(path.join(artefacts, 'report-'));
  execFileSync(cli, ['report', path.join(sourceDir, 'examples', 'default-study.yaml'), '-o',
    path.join(out, 'report')], { stdio: 'inherit' });
  const html = path.join(out, 'report', 'report.html');

  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1100, height: 900 });
    const errors = watchErrors(page);
    await page.goto('file://' + html, { waitUntil: 'load' });
    const text = await page.evaluate(() => document.body.innerText);
    // Markdown a renderer would have consumed: emphasis, table rules, image and link syntax.
    for (const [pattern, what] of [[/\*\*/, '**'], [/\|\s*---/, '|---'], [/!\[/, '!['],
      [/\]\(/, ']('], [/^#+ /m, '# heading']]) {
      const m = text.match(pattern);
      check(!m, `no raw Markdown ${what} in the page text` +
        (m ? `: "${text.substr(Math.max(0, m.index - 40), 80)}"` : ''));
    }
    check(await page.$('table') !== null, 'tables are HTML tables');
    check(await page.$('strong') !== null, 'bold text is <strong>');
    const images = await page.evaluate(() => [...document.images].map(
      (i) => ({ src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0 })));
    check(images.length >= 4, `the report has its figures (${images.length} <img>)`);
    for (const i of images) check(i.loaded, `figure ${i.src} loaded (naturalWidth > 0)`);
    const shot = path.join(artefacts, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    check(fs.statSync(shot).size > 0, `screenshot kept: ${shot}`);
    check(errors.length === 0, 'no console errors' + (errors.length ? ': ' + errors.join('; ') : ''));
  } finally {
    await browser.close();
  }
  fs.rmSync(out, { recursive: true, force: true });
  process.exit(failed() ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
