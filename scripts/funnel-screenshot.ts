/**
 * Takes the README's screenshot of the operator funnel page (docs/funnel.png): a week of
 * onboarding flows driven through the API onto an in-memory SQLite store, some stopping
 * at each step, some refused once. Needs Debian's Chromium.
 *
 *   npm run screenshot
 */
import { chromium } from "playwright-core";
import { createWaymark } from "waymark";
import { startServer } from "waymark/server";
import { createSqliteStore } from "waymark/store/sqlite";
import { onboarding } from "../examples/onboarding/flow.ts";
import {
  companyDetails,
  contractorContract,
  employeeContract,
  personalInfo,
  review,
} from "../test/support/onboarding-data.ts";

const token = "screenshot-operator-token-0123456789abcdef";
const week = 7 * 86_400_000;
const end = new Date("2026-12-01T09:00:00Z").getTime();
let now = end - week;
const store = createSqliteStore({ path: ":memory:" });
const waymark = createWaymark({
  flows: [onboarding],
  store,
  adminToken: token,
  now: () => new Date(now),
});

/** A repeatable sequence in [0, 1), so that the picture is the same every time. */
let seed = 7;
const random = () => {
  seed = (seed * 16_807) % 2_147_483_647;
  return seed / 2_147_483_647;
};

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  return waymark.fetch(
    new Request(`http://localhost${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    }),
  );
}

/** The share of flows that stop before each step they come to. */
const dropOff = [0.12, 0.18, 0.1, 0.08];

for (let index = 0; index < 180; index++) {
  now = end - week + index * (week / 190);
  const { flowId } = (await (await send("POST", "/onboarding")).json()) as { flowId: string };
  const contractor = random() < 0.35;
  const steps: [number, unknown, string?][] = [
    [1, personalInfo, "email"],
    [2, contractor ? contractorContract : employeeContract, "startDate"],
    ...(contractor ? [[3, companyDetails, "vatId"] as [number, unknown, string]] : []),
    [4, review],
  ];
  for (const [position, [step, data, field]] of steps.entries()) {
    // Fewer go on at each step: the drop-off the page is for.
    if (random() < (dropOff[position] ?? 0)) break;
    now += (30 + random() * 240) * 1_000;
    if (field && random() < 0.3)
      await send("PUT", `/onboarding/${flowId}/step/${step}`, { ...(data as object), [field]: "" });
    const response = await send("PUT", `/onboarding/${flowId}/step/${step}`, data);
    if (!response.ok) throw new Error(`step ${step}: ${response.status}`);
  }
}
now = end;

const silent = { info() {}, warn() {}, error() {} };
const server = await startServer({ waymark, store, port: 0, host: "127.0.0.1", logger: silent });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run"],
});
try {
  const context = await browser.newContext({
    viewport: { width: 1000, height: 900 },
    locale: "en-GB",
    httpCredentials: { username: "operator", password: token },
  });
  const page = await context.newPage();
  await page.goto(`${server.url}/admin/funnel?flow=onboarding&since=7d`);
  await page.getByRole("img").first().waitFor();
  await page.screenshot({ path: "docs/funnel.png", fullPage: true });
  process.stdout.write("wrote docs/funnel.png\n");
} finally {
  await browser.close();
  await server.close();
}
