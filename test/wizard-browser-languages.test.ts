import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { accessibilityViolations, phone } from "./support/browser.ts";
import { employeeContract, personalInfo } from "./support/onboarding-data.ts";
import { type ServerProcess, startServer } from "./support/processes.ts";
import { useWizardSession } from "./support/wizard-page.ts";

// The wizard in German and Arabic (right to left), in Debian's Chromium against a real
// `waymark serve`. Steps are driven by field names: their labels are the flow's own texts.
describe("web wizard in other languages", () => {
  const session = useWizardSession();
  let server: ServerProcess | undefined;

  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  /** A page in a browser whose language is `locale`, phone-sized, in Berlin's time zone. */
  async function browserIn(locale: string): Promise<{ page: Page; errors: string[] }> {
    const context = await session.browser.newContext({
      locale,
      viewport: phone,
      timezoneId: "Europe/Berlin",
    });
    context.setDefaultTimeout(8_000);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    return { page, errors };
  }

  const button = (page: Page, name: string) => page.getByRole("button", { name, exact: true });
  const html = (page: Page) =>
    page.evaluate(() => ({
      lang: document.documentElement.lang,
      dir: document.documentElement.dir,
      // Nothing scrolls sideways: the content is no wider than the viewport.
      fits: document.documentElement.scrollWidth <= document.documentElement.clientWidth,
    }));
  const position = (page: Page) => page.locator(".position").textContent();

  async function fill(page: Page, values: Readonly<Record<string, string>>): Promise<void> {
    for (const [name, value] of Object.entries(values)) {
      await page.locator(`[name="${name}"]`).fill(value);
    }
  }

  /** Completes the onboarding as an employee, checking every screen on the way. */
  async function onboard(
    page: Page,
    texts: { start: string; next: string; finish: string; done: string; review: string },
    check: (screen: string) => Promise<void>,
  ): Promise<void> {
    await page.goto(server?.url ?? "");
    await button(page, texts.start).waitFor();
    await check("start");
    await button(page, texts.start).click();
    await page.locator('[name="firstName"]').waitFor();
    await check("personal information");
    await fill(page, personalInfo);
    await button(page, texts.next).click();
    await page.locator('[name="role"]').waitFor();
    await check("contract details");
    await page.locator('[name="contractType"]').first().check();
    await fill(page, { startDate: employeeContract.startDate, role: employeeContract.role });
    await button(page, texts.next).click();
    await page.getByRole("heading", { level: 3, name: texts.review }).waitFor();
    await check("review");
    await page.locator('[name="acceptTerms"]').check();
    await button(page, texts.finish).click();
    await page.getByRole("heading", { level: 2, name: texts.done }).waitFor();
    await check("done");
  }

  it("the whole onboarding in German, sending Accept-Language, fitting a phone on every screen", async () => {
    server = await startServer({ store: session.store });
    const { page, errors } = await browserIn("de-DE");
    const languages = new Set<string>();
    page.on("request", (request) => {
      // The page's API calls; an EventSource cannot set headers, and its events hold no text.
      if (request.resourceType() === "fetch") {
        languages.add(request.headers()["accept-language"] ?? "");
      }
    });
    const seen: string[] = [];
    await onboard(
      page,
      {
        start: "Starten",
        next: "Weiter",
        finish: "Abschließen",
        done: "Alles erledigt",
        review: "Prüfen Sie Ihre Angaben",
      },
      async (screen) => {
        expect(await html(page), screen).toEqual({ lang: "de", dir: "ltr", fits: true });
        if (screen === "personal information") {
          expect(await position(page)).toBe("Schritt 1 von 3, 1 weiterer steht noch nicht fest");
          expect(await page.locator(".later p").first().textContent()).toMatch(
            /^Setzen Sie ein Lesezeichen .* bis \d+\. \S+ \d{4} um \d+:\d{2} (MEZ|MESZ) hierher zurückzukehren\.$/,
          );
        }
        if (screen === "review") {
          expect(await position(page)).toBe("Schritt 3 von 3");
          expect(await page.locator(".review .change").allTextContents()).toEqual([
            "Ändern",
            "Ändern",
          ]);
          // The step titles are the server's, in the language the page asked for.
          expect(
            await page
              .locator(".review .change")
              .evaluateAll((buttons) => buttons.map((b) => b.getAttribute("aria-label"))),
          ).toEqual(["Persönliche Angaben ändern", "Vertragsdetails ändern"]);
        }
        seen.push(screen);
      },
    );
    expect(seen).toHaveLength(5);
    await page.context().close();
    expect(errors).toEqual([]);
    expect([...languages]).toEqual(["de"]);
  });

  it("the whole onboarding in Arabic, right to left, axe-clean, the progress mirrored", async () => {
    server = await startServer({ store: session.store });
    const { page, errors } = await browserIn("ar");
    await onboard(
      page,
      {
        start: "ابدأ",
        next: "متابعة",
        finish: "إنهاء",
        done: "اكتمل كل شيء",
        review: "راجع إجاباتك",
      },
      async (screen) => {
        expect(await html(page), screen).toEqual({ lang: "ar", dir: "rtl", fits: true });
        expect(await accessibilityViolations(page), screen).toEqual([]);
        if (screen === "personal information") {
          // The first step sits at the right, the second to its left.
          const [first, second] = await page
            .locator(".progress li")
            .evaluateAll((items) => items.map((item) => item.getBoundingClientRect().left));
          expect(first).toBeGreaterThan(second ?? Number.POSITIVE_INFINITY);
          expect(await page.locator(".progress li.undecided .state").textContent()).toBe(
            "لم تتحدد بعد",
          );
        }
      },
    );
    await page.context().close();
    expect(errors).toEqual([]);
  });

  it("writes step markers and the position line in the same digits (ar-EG)", async () => {
    server = await startServer({ store: session.store });
    const { page } = await browserIn("ar-EG");
    await page.goto(server.url);
    await button(page, "ابدأ").click();
    await page.locator('[name="firstName"]').waitFor();
    const marker = (await page.locator(".progress li .marker").first().textContent()) ?? "";
    const line = (await position(page)) ?? "";
    // Guards markers in the region's digits beside a position line in plain "ar" digits.
    expect(marker).toBe(new Intl.NumberFormat("ar-EG").format(1));
    expect(line).toContain(marker);
    expect(/[0-9]/.test(line)).toBe(/[0-9]/.test(marker));
    await page.context().close();
  });

  it("a switch during Start or a submit waits for its answer, and the errors shown stay", async () => {
    server = await startServer({ store: session.store });
    const { page } = session;
    await page.goto(server.url);
    /** Requests of one method wait for `gate.open` while a gate is set. */
    let gate: { method: string; open: Promise<void> } | undefined;
    await page.route("**/*", async (route) => {
      if (gate && route.request().method() === gate.method) await gate.open;
      await route.continue();
    });
    /** Holds requests of `method` until the returned function is called. */
    async function hold(method: string): Promise<() => Promise<void>> {
      let answer: () => void = () => {};
      gate = { method, open: new Promise<void>((resolve) => (answer = resolve)) };
      return async () => {
        gate = undefined;
        answer();
      };
    }
    let release = await hold("POST");
    await button(page, "Start").click();
    await button(page, "Deutsch").click();
    await release();
    // Guards a switch during Start redrawing the start screen and orphaning the new flow.
    await page.locator('[name="firstName"]').waitFor();
    await button(page, "Weiter").waitFor();

    release = await hold("PUT");
    await button(page, "Weiter").click();
    await button(page, "English").click();
    // Guards a switch replacing the screen while its write is in flight.
    expect(await button(page, "Weiter").count()).toBe(1);
    await release();
    await button(page, "Continue").waitFor();
    // Guards the field errors shown vanishing when the screen is drawn in another language.
    await page.locator('[name="firstName"][aria-invalid="true"]').waitFor();
    expect(await page.locator(".error-summary li").count()).toBeGreaterThan(0);
    await page.unroute("**/*");
  });

  it("the switcher changes the language in place, keeps what was typed, and is remembered", async () => {
    server = await startServer({ store: session.store });
    const { page } = session;
    await page.goto(server.url);
    const switcher = page.getByRole("navigation", { name: "Language" });
    expect(
      await switcher
        .getByRole("button")
        .evaluateAll((items) => items.map((b) => `${b.getAttribute("lang")}:${b.textContent}`)),
    ).toEqual(["en:English", "de:Deutsch", "ar:العربية"]);
    await button(page, "Start").click();
    await page.locator('[name="firstName"]').fill("Ada");
    await button(page, "Deutsch").click();
    await button(page, "Weiter").waitFor();
    expect(await html(page)).toMatchObject({ lang: "de", dir: "ltr" });
    expect(await button(page, "Deutsch").getAttribute("aria-pressed")).toBe("true");
    expect(await page.getByRole("navigation", { name: "Sprache" }).count()).toBe(1);
    expect(await page.locator('[name="firstName"]').inputValue()).toBe("Ada");
    expect(await position(page)).toMatch(/^Schritt 1 von/);
    // The step is read again in German: its title is the flow's translation.
    await page.getByRole("heading", { level: 2, name: "Persönliche Angaben" }).waitFor();

    await button(page, "العربية").click();
    await button(page, "متابعة").waitFor();
    expect(await html(page)).toMatchObject({ lang: "ar", dir: "rtl" });
    expect(await page.locator('[name="firstName"]').inputValue()).toBe("Ada");

    // Kept in this browser: a reload opens in Arabic.
    await page.reload();
    await button(page, "متابعة").waitFor();
    expect(await html(page)).toMatchObject({ lang: "ar", dir: "rtl" });
    await button(page, "English").click();
    await button(page, "Continue").waitFor();
    expect(await html(page)).toMatchObject({ lang: "en", dir: "ltr" });
  });
});
