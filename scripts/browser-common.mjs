// Shared by the browser scripts: the page of each kind in the example site,
// and a headless Chromium with a fresh, empty profile.
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const TOOLS = process.env.TOOLRISK_TOOLS || join(ROOT, ".tools");
export const requireTool = createRequire(join(TOOLS, "package.json"));

// One page of every kind, by a name that is also the screenshot's file name.
export const PAGES = [
  ["home", "/"],
  ["servers", "/servers/"],
  ["list-paged", "/categories/read/page/2/"],
  ["server", "/servers/github/"],
  ["tool", "/servers/github/get_file_contents/"],
  ["tool-destructive", "/servers/github/delete_repository/"],
  ["tool-poisoned", "/servers/trivia-helper/get_fact_of_the_day/"],
  ["categories", "/categories/"],
  ["category", "/categories/destructive/"],
  ["risks", "/risk/"],
  ["risk", "/risk/critical/"],
  ["attacks", "/attacks/"],
  ["attack", "/attacks/tool-poisoning/"],
  ["flagged", "/flagged/"],
  ["page-about", "/about/"],
  ["page-shortcodes", "/policy-format/"],
  ["not-found", "/404.html"],
  ["search-results", "/search/?q=issue"],
  ["embed", "/embed/github/delete_repository/"],
];

// Empty states, in a site fresh from `toolrisk init`.
export const EMPTY_PAGES = [
  ["empty-category", "/categories/financial/"],
  ["empty-flagged", "/flagged/"],
];

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

// Starts Chromium with a new empty profile; returns the browser context and
// a function that closes it and removes the profile.
export async function launch(options = {}) {
  const { chromium } = requireTool("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "toolrisk-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
    ...options,
  });
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}
