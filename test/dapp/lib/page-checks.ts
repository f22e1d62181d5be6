/**
 * Checks run inside a page: accessibility basics (labels, accessible names, keyboard focus,
 * WCAG text contrast) and what the page keeps in browser storage. The in-page code is plain
 * JavaScript text, not a serialized TypeScript function (the test transpiler's helpers would not
 * exist in the page).
 */
import type { Locator, Page } from "playwright-core";

const A11Y_AUDIT = String.raw`(() => {
  const problems = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== "hidden" && cs.display !== "none";
  };
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    const named = (el.labels && el.labels.length > 0) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!named) problems.push("unlabelled " + el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.name ? "[name=" + el.name + "]" : ""));
  }
  for (const el of document.querySelectorAll("button, a[href]")) {
    const name = (el.getAttribute("aria-label") || el.textContent || "").trim();
    if (!name) problems.push("no accessible name: " + el.outerHTML.slice(0, 80));
    if (el.tabIndex < 0) problems.push("not reachable by keyboard: " + name);
  }
  const parse = (c) => {
    const m = /rgba?\(([^)]+)\)/.exec(c);
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const lum = (c) => 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
  const over = (fg, bg) => ({ r: fg.r * fg.a + bg.r * (1 - fg.a), g: fg.g * fg.a + bg.g * (1 - fg.a), b: fg.b * fg.a + bg.b * (1 - fg.a), a: 1 });
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let bg = { r: 255, g: 255, b: 255, a: 1 };
    for (const layer of layers.reverse()) bg = over(layer, bg);
    return bg;
  };
  const seen = new Set();
  let checked = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || !el || seen.has(el) || !visible(el) || el.closest("[disabled], .visually-hidden, option, script, style")) continue;
    seen.add(el);
    const fg = parse(getComputedStyle(el).color);
    if (!fg) continue;
    const bg = background(el);
    const l1 = lum(over(fg, bg)), l2 = lum(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    checked++;
    if (ratio < 4.5) problems.push("contrast " + ratio.toFixed(2) + ":1 for " + JSON.stringify(text.slice(0, 50)));
  }
  return { problems, checked };
})()`;

/** Unlabelled inputs, nameless or unfocusable controls, and text below 4.5:1 contrast. */
export async function a11yProblems(page: Page): Promise<{ problems: string[]; checked: number }> {
  return (await page.evaluate(A11Y_AUDIT)) as { problems: string[]; checked: number };
}

/** What the page's origin keeps in localStorage and sessionStorage, and its IndexedDB databases. */
export async function storageDump(page: Page): Promise<{ local: Record<string, string>; session: Record<string, string>; indexedDb: string[] }> {
  return (await page.evaluate(`(async () => {
    const dump = (s) => { const o = {}; for (let i = 0; i < s.length; i++) { const k = s.key(i); o[k] = s.getItem(k); } return o; };
    let dbs = [];
    try { dbs = (await indexedDB.databases()).map((d) => d.name); } catch (e) { dbs = ["(not readable: " + e.name + ")"]; }
    return { local: dump(localStorage), session: dump(sessionStorage), indexedDb: dbs };
  })()`)) as { local: Record<string, string>; session: Record<string, string>; indexedDb: string[] };
}

/** The focused element's outline after keyboard navigation (visible focus). */
export async function focusedOutline(page: Page): Promise<{ tag: string; text: string; outlineStyle: string; outlineWidth: string }> {
  return (await page.evaluate(`(() => {
    const el = document.activeElement;
    const cs = getComputedStyle(el);
    return { tag: el.tagName.toLowerCase(), text: (el.textContent || "").trim().slice(0, 40), outlineStyle: cs.outlineStyle, outlineWidth: cs.outlineWidth };
  })()`)) as { tag: string; text: string; outlineStyle: string; outlineWidth: string };
}

/** Waits until `locator`'s text matches `re`; on timeout the error shows the last text seen. */
export async function waitForText(locator: Locator, re: RegExp, timeoutMs = 20_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    last = ((await locator.count()) > 0 ? await locator.first().innerText().catch(() => "") : "").replace(/\s+/g, " ");
    if (re.test(last)) return last;
    if (Date.now() > until) throw new Error(`timed out waiting for ${re} in ${locator}; last text: ${JSON.stringify(last.slice(0, 400))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Each role's main page, and who opens it in the browser tests. */
export const ROLE_PAGES = [
  { role: "ana", route: "/subject" },
  { role: "insurer", route: "/requester" },
  { role: "bank", route: "/provider" },
  { role: "supervisor", route: "/supervisor" },
  { role: "auditor", route: "/auditor" },
] as const;

/** What shows on each page once its first ledger read has rendered (with the story's data on chain). */
const READY: Record<string, string> = {
  "/subject": "[data-testid=my-consents]",
  "/requester": "[data-testid=my-requests] >> nth=0",
  "/provider": "[data-testid=my-datasets]",
  "/supervisor": "[data-testid=members]",
  "/auditor": "[data-testid=audit-filters]",
};

/** Waits until `route`'s first data load is on screen (a visible condition, never a pause). */
export async function pageReady(page: Page, route: string): Promise<void> {
  const selector = READY[route];
  if (!selector) throw new Error(`no ready condition for ${route}`);
  await page.locator(selector).waitFor();
  if (route === "/requester") await page.getByTestId("key-status").waitFor();
}
