// Opens a list of pages in Debian's Firefox ESR (WebDriver BiDi, puppeteer-core), each as the
// person the list names, and reports what each page showed. Run by tests/e2e/test_pages.py.
//
//   ACCORD_E2E_URL       the server            ACCORD_E2E_PASSWORD  everyone's password
//   ACCORD_E2E_VISITS    JSON: [{who, email, path, shows}] (email "" for a visitor)
//   ACCORD_FIREFOX       Firefox to run        ACCORD_E2E_TIMEOUT_MS waits (default 15000)
//
// Prints ONE line of JSON: {"ok": true, "browser", "seen": [{who, path, status, found}]} or
// {"ok": false, "step", "error"}. Waits are on navigations, never on the clock.

import puppeteer from 'puppeteer-core';

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

let step = 'start';
let browser;

async function main() {
  const base = need('ACCORD_E2E_URL').replace(/\/$/, '');
  const password = need('ACCORD_E2E_PASSWORD');
  const visits = JSON.parse(need('ACCORD_E2E_VISITS'));
  const timeout = Number(process.env.ACCORD_E2E_TIMEOUT_MS || 15000);

  step = 'launch Firefox';
  browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: need('ACCORD_FIREFOX'),
    headless: true,
    defaultViewport: {width: 1280, height: 900},
    protocolTimeout: timeout * 2,
  });

  const pages = {}; // who -> a page in that person's own browser context
  async function pageOf(visit) {
    if (pages[visit.who]) return pages[visit.who];
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    page.setDefaultNavigationTimeout(timeout);
    if (visit.email) {
      step = `sign in as ${visit.who}`;
      await page.goto(`${base}/accounts/login/`, {waitUntil: 'load'});
      await page.type('#id_email', visit.email);
      await page.type('#id_password', password);
      await Promise.all([
        page.waitForNavigation({waitUntil: 'load'}),
        page.click('main form button[type="submit"]'),
      ]);
      await page.waitForSelector('.who button'); // "Sign out"
    }
    pages[visit.who] = page;
    return page;
  }

  const seen = [];
  for (const visit of visits) {
    const page = await pageOf(visit);
    step = `open ${visit.path} as ${visit.who}`;
    const answer = await page.goto(`${base}${visit.path}`, {waitUntil: 'load'});
    const text = await page.$eval('body', (body) => body.innerText);
    seen.push({
      who: visit.who,
      path: visit.path,
      status: answer ? answer.status() : 0,
      found: text.includes(visit.shows),
    });
  }
  return {ok: true, browser: await browser.version(), seen};
}

let result;
try {
  result = await main();
} catch (error) {
  result = {ok: false, step, error: String(error && error.stack ? error.stack : error)};
} finally {
  if (browser) await browser.close().catch(() => {});
}
process.stdout.write(JSON.stringify(result) + '\n');
