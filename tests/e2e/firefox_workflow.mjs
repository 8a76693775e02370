// The help-desk workflow in Debian's Firefox ESR, driven over WebDriver BiDi by puppeteer-core:
// a customer raises a Severity 1 fault, an agent restores service, both see the clock stop.
//
// Run by tests/e2e/test_workflow.py against its live server; it reads what it needs from the
// environment and prints ONE line of JSON on stdout: what each person saw (the text of the
// page's parts), for the test to assert on, or {"ok": false, "step", "error"}.
//
//   ACCORD_E2E_URL        the server, e.g. http://localhost:41234
//   ACCORD_E2E_CUSTOMER   a customer reporter's email     ACCORD_E2E_AGENT   an agent's email
//   ACCORD_E2E_PASSWORD   their password                  ACCORD_E2E_SUMMARY the fault's summary
//   ACCORD_E2E_MODULE     the affected module's name      ACCORD_FIREFOX     Firefox to run
//   ACCORD_E2E_SCREENSHOTS a directory for screenshots (optional)
//   ACCORD_E2E_TIMEOUT_MS how long to wait for a page or an element (default 15000)
//
// Waits are on navigations and elements, never on the clock.

import path from 'node:path';
import puppeteer from 'puppeteer-core';

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

let step = 'start';
let browser;
const pages = {}; // who -> page, for the screenshots of a failure
const shots = process.env.ACCORD_E2E_SCREENSHOTS || '';

async function main() {
  const base = need('ACCORD_E2E_URL').replace(/\/$/, '');
  const password = need('ACCORD_E2E_PASSWORD');
  const summary = need('ACCORD_E2E_SUMMARY');
  const moduleName = need('ACCORD_E2E_MODULE');
  const timeout = Number(process.env.ACCORD_E2E_TIMEOUT_MS || 15000);
  const seen = {};

  step = 'launch Firefox';
  browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: need('ACCORD_FIREFOX'),
    headless: true,
    // A fresh profile in the temporary directory (puppeteer's default), removed on close.
    defaultViewport: {width: 1280, height: 900},
    protocolTimeout: timeout * 2,
  });

  async function newPage(who) {
    // One browser context per person: separate cookies, as separate browsers would have.
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    page.setDefaultNavigationTimeout(timeout);
    pages[who] = page;
    return page;
  }
  const text = (page, selector) => page.$eval(selector, (el) => el.innerText.trim());
  // Click something that loads a new page, and wait for that page.
  async function follow(page, selector) {
    await Promise.all([page.waitForNavigation({waitUntil: 'load'}), page.click(selector)]);
  }
  async function signIn(page, email) {
    await page.goto(`${base}/`, {waitUntil: 'load'}); // not signed in: the login page
    await page.type('#id_email', email);
    await page.type('#id_password', password);
    await follow(page, 'main form button[type="submit"]');
    await page.waitForSelector('.who button'); // "Sign out"
  }
  async function clock(page) {
    return {
      clock: await text(page, '.clock'),
      due: await page.$eval('.clock-figures', (dl) => {
        for (const row of dl.querySelectorAll('div')) {
          if (row.querySelector('dt').innerText.trim() === 'Due') {
            return row.querySelector('dd').innerText.trim();
          }
        }
        return '';
      }),
    };
  }
  async function shot(page, name) {
    if (shots) await page.screenshot({path: path.join(shots, `firefox-${name}.png`), fullPage: true});
  }

  step = 'customer signs in';
  const customer = await newPage('customer');
  await signIn(customer, need('ACCORD_E2E_CUSTOMER'));

  step = 'customer opens the form';
  await follow(customer, 'nav[aria-label="Main"] a[href="/tickets/new/"]');
  const moduleValue = await customer.$$eval(
    '#id_module option',
    (options, name) => options.find((o) => o.textContent.trim() === name)?.value ?? '',
    moduleName,
  );
  if (!moduleValue) throw new Error(`no module named ${moduleName} on the form`);
  await customer.select('#id_module', moduleValue);
  await customer.type('#id_summary', summary);
  await customer.type('#id_description', 'Nobody can open the release calendar.');
  const critical = 'input[name="severity"][value="1"]';
  seen.severity_choice = await customer.$eval(critical, (input) => {
    const hint = document.getElementById(input.getAttribute('aria-describedby'));
    return {
      label: input.labels[0].innerText.trim(),
      description: hint ? hint.innerText.trim() : '',
      description_visible: Boolean(hint && hint.checkVisibility()),
    };
  });
  await customer.click(critical);

  step = 'customer reports the fault';
  await follow(customer, 'main form button[type="submit"]');
  await customer.waitForSelector('.clock');
  const heading = await text(customer, 'h1');
  seen.customer_raised = {
    message: await text(customer, '.messages'),
    heading,
    footer: await text(customer, 'footer'),
    ...(await clock(customer)),
  };
  const ticket = Number(/^#(\d+) /.exec(heading)?.[1]);
  if (!ticket) throw new Error(`no ticket number in the heading ${JSON.stringify(heading)}`);
  const ticketUrl = customer.url();

  step = 'agent signs in and reads the queue';
  const agent = await newPage('agent');
  await signIn(agent, need('ACCORD_E2E_AGENT')); // staff land on the queue
  const rowSelector = `tr:has(a[href="/tickets/${ticket}/"])`;
  await agent.waitForSelector(rowSelector);
  seen.agent_queue_row = {
    text: await text(agent, rowSelector),
    due: await text(agent, `${rowSelector} td:nth-child(2) time`), // the Due column
  };
  await shot(agent, 'queue');

  step = 'agent opens the ticket';
  await follow(agent, `${rowSelector} a`);
  await agent.waitForSelector('.clock');
  seen.agent_ticket = await clock(agent);

  step = 'agent restores service';
  await agent.select('#id_status-status', 'restored');
  await agent.click('input[name="status-repair"][value="temporary"]');
  await agent.type('#id_status-note', 'Restarted the calendar service.');
  await follow(agent, `form[action^="/tickets/${ticket}/status/"] button[type="submit"]`);
  await agent.waitForSelector('.clock');
  seen.agent_restored = {
    message: await text(agent, '.messages'),
    meta: await text(agent, 'p.meta'),
    ...(await clock(agent)),
  };
  await shot(agent, 'agent-ticket');

  step = 'customer looks again';
  await customer.goto(ticketUrl, {waitUntil: 'load'});
  await customer.waitForSelector('.clock');
  seen.customer_after = {meta: await text(customer, 'p.meta'), ...(await clock(customer))};
  await shot(customer, 'ticket');

  step = 'agent reads the queue again';
  await follow(agent, 'nav[aria-label="Main"] a[href="/queue/"]');
  seen.agent_queue_after = await text(agent, 'main');

  step = 'close Firefox';
  const version = await browser.version();
  await browser.close();
  browser = undefined;
  return {ok: true, browser: version, ticket, seen};
}

let result;
try {
  result = await main();
} catch (error) {
  result = {ok: false, step, error: String(error?.stack || error)};
  for (const [who, page] of Object.entries(pages)) {
    if (shots) {
      const file = path.join(shots, `firefox-failed-${who}.png`);
      await page.screenshot({path: file, fullPage: true}).catch(() => {});
    }
  }
  if (browser) await browser.close().catch(() => {});
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exitCode = result.ok ? 0 : 1;
