// Takes a screenshot of one page of every kind, desktop (1280 px) and
// mobile (375 px) wide, in light mode, plus the tool page in dark mode.
// Usage: node scripts/screenshots.mjs BASE_URL OUT_DIR
// (scripts/screenshots.sh builds and serves the example site first.)
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PAGES, launch } from "./browser-common.mjs";

const [base, out] = [(process.argv[2] || "").replace(/\/$/, ""), process.argv[3]];
if (!base || !out) {
  console.error("usage: node scripts/screenshots.mjs BASE_URL OUT_DIR");
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const SIZES = {
  desktop: { width: 1280, height: 1300 },
  mobile: { width: 375, height: 812 },
};

const { context, close } = await launch();
try {
  const page = await context.newPage();
  const shoot = async (name, path, size, scheme) => {
    await page.setViewportSize(SIZES[size]);
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(base + path, { waitUntil: "load" });
    // The results page fills its list after the index arrives.
    if (path.startsWith("/search/")) await page.waitForSelector("#page-results li");
    const file = join(out, `${name}-${size}${scheme === "dark" ? "-dark" : ""}.png`);
    await page.screenshot({ path: file });
    console.log(file);
  };
  for (const [name, path] of PAGES) {
    for (const size of Object.keys(SIZES)) await shoot(name, path, size, "light");
  }
  const tool = PAGES.find(([k]) => k === "tool-destructive");
  for (const size of Object.keys(SIZES)) await shoot(tool[0], tool[1], size, "dark");
} finally {
  await close();
}
