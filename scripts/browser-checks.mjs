// Checks the built site as a browser and its reader meet it, in headless
// Chromium, one page of every kind:
//   - axe-core finds no violation, colour contrast included, in light and
//     in dark mode (prefers-color-scheme);
//   - at 320 px wide no page scrolls sideways;
//   - by keyboard: the first Tab reaches the skip link, which is shown and
//     moves focus to the main content, and every element Tab reaches shows
//     a focus outline;
//   - the copy button of a policy snippet puts the policy on the clipboard
//     and says so.
// With a second URL, a site fresh from `toolrisk init` (one server, most
// lists empty), axe also checks its empty category and flagged pages.
// Usage: node scripts/browser-checks.mjs http://127.0.0.1:PORT [EMPTY_SITE_URL]
// Prints every finding and exits 1 when there is any.
import { PAGES, EMPTY_PAGES, launch, requireTool } from "./browser-common.mjs";

const base = (process.argv[2] || "").replace(/\/$/, "");
const emptyBase = (process.argv[3] || "").replace(/\/$/, "");
if (!base) {
  console.error("usage: node scripts/browser-checks.mjs BASE_URL [EMPTY_SITE_URL] (built sites, served over HTTP)");
  process.exit(2);
}
const axeSource = requireTool("axe-core").source;
const findings = [];
const found = (what) => {
  findings.push(what);
  console.log(`FAIL ${what}`);
};

async function open(page, path, root = base) {
  const response = await page.goto(root + path, { waitUntil: "load" });
  if (!response || response.status() !== 200) {
    found(`${path}: HTTP ${response ? response.status() : "no response"}`);
    return false;
  }
  return true;
}

async function axe(context) {
  const page = await context.newPage();
  let pages = 0;
  const targets = PAGES.map(([kind, path]) => [kind, path, base]);
  if (emptyBase) targets.push(...EMPTY_PAGES.map(([kind, path]) => [kind, path, emptyBase]));
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [kind, path, root] of targets) {
      if (!(await open(page, path, root))) continue;
      // Evaluated through the DevTools protocol, so the pages' own
      // Content-Security-Policy does not apply to the checker.
      await page.evaluate(axeSource);
      const result = await page.evaluate(() =>
        window.axe.run(document, { resultTypes: ["violations"] }),
      );
      pages += 1;
      for (const v of result.violations) {
        const nodes = v.nodes
          .slice(0, 4)
          .map((n) => `      ${n.target.join(" ")}: ${n.html.slice(0, 160)}\n        ${(n.failureSummary || "").replace(/\n/g, " ")}`)
          .join("\n");
        found(`axe ${scheme} ${kind} ${path}: ${v.id} (${v.impact}, ${v.nodes.length} element(s)): ${v.help}\n${nodes}`);
      }
    }
  }
  await page.close();
  console.log(`axe: ${pages} page loads checked (${targets.length} pages, light and dark)`);
}

async function narrow(context) {
  const page = await context.newPage();
  await page.setViewportSize({ width: 320, height: 640 });
  for (const [kind, path] of PAGES) {
    if (!(await open(page, path))) continue;
    const wide = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth <= width) return null;
      const culprits = [...document.querySelectorAll("body *")]
        .filter((el) => el.getBoundingClientRect().right > width + 1)
        .filter((el) => !el.closest("pre, .table-wrap"))
        .slice(0, 3)
        .map((el) => `<${el.tagName.toLowerCase()} class="${el.className}">`);
      return `${document.documentElement.scrollWidth}px wide: ${culprits.join(", ")}`;
    });
    if (wide) found(`320px ${kind} ${path}: the page scrolls sideways, ${wide}`);
  }
  await page.close();
  console.log(`narrow: ${PAGES.length} pages at 320 px`);
}

// The focus indicator of the focused element, or null when there is none.
const focusRing = () => {
  const el = document.activeElement;
  if (!el || el === document.body) return { none: true };
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
  const shadow = s.boxShadow && s.boxShadow !== "none";
  const r = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    cls: el.className,
    text: (el.textContent || "").trim().slice(0, 40),
    id: el.id,
    ring: outline || shadow,
    onScreen: r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < innerWidth,
  };
};

async function keyboard(context) {
  const page = await context.newPage();
  for (const [kind, path] of PAGES.filter(([k]) => ["home", "tool", "list-paged"].includes(k))) {
    if (!(await open(page, path))) continue;
    await page.keyboard.press("Tab");
    const first = await page.evaluate(focusRing);
    if (!first.cls || !String(first.cls).split(" ").includes("skip")) {
      found(`keyboard ${kind}: the first Tab reaches ${JSON.stringify(first)}, not the skip link`);
      continue;
    }
    if (!first.ring || !first.onScreen) found(`keyboard ${kind}: the focused skip link is not shown with a focus outline`);
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => location.hash === "#main");
    const target = await page.evaluate(() => document.activeElement && document.activeElement.id);
    if (target !== "main") found(`keyboard ${kind}: the skip link leaves focus on #${target}, not on main`);
    await page.keyboard.press("Tab");
    const inMain = await page.evaluate(() => !!document.activeElement.closest("main"));
    if (!inMain) found(`keyboard ${kind}: Tab after the skip link leaves the main content`);
    // Every element Tab reaches, from the top, shows where the focus is.
    await page.goto(base + path);
    let steps = 0;
    const seen = new Set();
    for (; steps < 150; steps++) {
      await page.keyboard.press("Tab");
      const f = await page.evaluate(focusRing);
      if (f.none) break;
      const key = `${f.tag}|${f.text}|${f.id}|${f.cls}`;
      if (seen.has(key) && steps > 5) break;
      seen.add(key);
      if (!f.ring) found(`keyboard ${kind}: focus on <${f.tag} class="${f.cls}"> "${f.text}" has no visible outline`);
      if (!f.onScreen) found(`keyboard ${kind}: focus on <${f.tag}> "${f.text}" is off screen`);
    }
    if (steps < 10) found(`keyboard ${kind}: only ${steps} elements reachable by Tab`);
  }
  await page.close();
  console.log("keyboard: skip link and focus outlines checked");
}

async function copyButton(context) {
  const [, path] = PAGES.find(([k]) => k === "tool");
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const page = await context.newPage();
  if (!(await open(page, path))) return;
  await page.waitForSelector("pre.json code span.k");
  const shown = await page.textContent("pre.json");
  await page.focus("button.copy");
  await page.keyboard.press("Enter");
  try {
    await page.waitForFunction(() => document.querySelector("button.copy").textContent === "Copied", null, { timeout: 5000 });
  } catch {
    found(`copy ${path}: the button never says "Copied"`);
  }
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const served = await page.evaluate(async () => (await fetch("policy.json")).text());
  if (copied !== shown) found(`copy ${path}: the clipboard holds ${JSON.stringify(copied.slice(0, 80))}, not the snippet shown`);
  try {
    if (JSON.stringify(JSON.parse(copied)) !== JSON.stringify(JSON.parse(served))) found(`copy ${path}: the copied policy differs from policy.json`);
  } catch (e) {
    found(`copy ${path}: the copied text is not JSON: ${e.message}`);
  }
  await page.waitForFunction(() => document.querySelector("button.copy").textContent === "Copy", null, { timeout: 5000 });
  await page.close();
  console.log(`copy: the policy snippet of ${path} copies (${copied.length} characters)`);
}

const { context, close } = await launch();
try {
  await axe(context);
  await narrow(context);
  await keyboard(context);
  await copyButton(context);
} finally {
  await close();
}
if (findings.length) {
  console.log(`${findings.length} browser finding(s)`);
  process.exit(1);
}
console.log("browser checks: no findings");
