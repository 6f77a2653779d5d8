// `make audit`, the chat panel's states: Lighthouse snapshots (accessibility, best practices)
// of a guide page with the panel open, after a vote, and with the panel's inquiry form
// showing. Usage: node scripts/panel-audit.mjs <site url> <output folder>; exits 1 unless
// every score is 100. A page's load is audited by audit.sh; a snapshot judges what is shown.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const tools = resolve(".tools/lighthouse/node_modules");
const require = createRequire(join(tools, "noop.js"));
const puppeteer = require("puppeteer-core");
const { startFlow } = await import(join(tools, "lighthouse/core/index.js"));

const [site, out] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
await page.setViewport({ width: 375, height: 800 });
await page.goto(`${site}/guide/why-do-they-matter`, { waitUntil: "load" });
const flow = await startFlow(page, {
  config: { extends: "lighthouse:default", settings: { onlyCategories: ["accessibility", "best-practices"] } },
});

await page.waitForSelector(".chatbot-open");
await page.click(".chatbot-open");
await page.type("#chatbot-q", "What are the risks?\n");
await page.waitForSelector(".chatbot-vote button");
await flow.snapshot({ name: "panel open, answered" });
await page.click(".chatbot-vote button");
await page.waitForSelector(".chatbot-a [role=status]");
await flow.snapshot({ name: "vote given" });
await page.evaluate(() => [...document.querySelectorAll(".chatbot-a button")]
  .find((b) => b.textContent === "Ask our team").click());
await page.waitForSelector(".chatbot-inquiry form");
await flow.snapshot({ name: "inquiry form showing" });

const result = await flow.createFlowResult();
writeFileSync(join(out, "panel-flow.report.html"), await flow.generateReport());
let below = 0;
for (const step of result.steps) {
  const scores = Object.values(step.lhr.categories).map((c) => `${c.id} ${Math.round(c.score * 100)}`);
  console.log(`panel: ${step.name}: ${scores.join(", ")}`);
  for (const category of Object.values(step.lhr.categories)) {
    if (category.score < 1) below += 1;
    for (const ref of category.auditRefs) {
      const audit = step.lhr.audits[ref.id];
      if (ref.weight && audit.score !== null && audit.score < 1) console.log(`  below: ${ref.id}`);
    }
  }
}
await browser.close();
process.exit(below ? 1 : 0);
