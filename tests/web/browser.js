// Shared by the browser tests: one headless Chromium (Debian's, driven by puppeteer-core from
// web/package.json) per test file, every console error and failed request collected, and a
// small check helper that names what failed.
'use strict';

const puppeteer = require('puppeteer-core');

async function launch() {
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // --no-sandbox: CI runs the tests as root, where Chromium's sandbox refuses to start.
    args: ['--no-sandbox', '--disable-gpu', '--allow-file-access-from-files'],
  });
}

// Records console errors, uncaught page errors and failed requests of a page.
function watchErrors(page) {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  page.on('requestfailed', (r) => errors.push('request failed: ' + r.url()));
  return errors;
}

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures += 1;
}
function failed() { return failures; }

module.exports = { launch, watchErrors, check, failed };
