import { defineFlow } from "waymark";
import { z } from "zod";
import { onboardingMessages } from "./messages.ts";

/** A required YYYY-MM-DD date; `missing` is the message for an absent or invalid one. */
const date = (missing: string) => z.iso.date({ error: missing });

/** A required line of text, trimmed; `missing` is the message when it is absent or blank. */
const text = (max: number, missing: string) =>
  z.string({ error: missing }).trim().min(1, missing).max(max, `At most ${max} characters`);

/** True when someone born on `dateOfBirth` (YYYY-MM-DD) is at least `years` old on `now`. */
function isAtLeast(years: number, dateOfBirth: string, now: Date): boolean {
  // The schema has checked the format, so the defaults are never used.
  const [year = 0, month = 0, day = 0] = dateOfBirth.split("-").map(Number);
  const today = [now.getUTCFullYear(), now.getUTCMonth() + 1, now.getUTCDate()] as const;
  const age =
    today[0] - year - (today[1] < month || (today[1] === month && today[2] < day) ? 1 : 0);
  return age >= years;
}

/**
 * The seed's four-step onboarding. Step 3 applies to contractors only; submitting the
 * review completes the flow. Each `.step` sees the earlier steps' data typed by name.
 * Its texts are written in English and translated into German and Arabic by `messages`.
 */
export const onboarding = defineFlow({
  name: "onboarding",
  title: "Onboarding",
  description: "Tell us about yourself and your contract so that we can get your first day ready.",
  messages: onboardingMessages,
  version: 1,
  ttl: "7d",
})
  .step({
    name: "personal-info",
    title: "Personal information",
    schema: z.strictObject({
      firstName: text(100, "Enter your first name").meta({ title: "First name" }),
      lastName: text(100, "Enter your last name").meta({ title: "Last name" }),
      email: z
        .email({ error: "Enter an email address like name@example.com" })
        .max(254, "At most 254 characters")
        .meta({ title: "Email" }),
      dateOfBirth: date("Enter your date of birth").meta({ title: "Date of birth" }),
    }),
    check: ({ dateOfBirth }, { now }) =>
      isAtLeast(18, dateOfBirth, now)
        ? []
        : [{ path: "/dateOfBirth", message: "You must be at least 18 years old" }],
  })
  .step({
    name: "contract-details",
    title: "Contract details",
    schema: z.strictObject({
      contractType: z
        .union(
          [
            z.literal("employee").meta({ title: "Employee" }),
            z.literal("contractor").meta({ title: "Contractor" }),
          ],
          { error: "Choose a contract type" },
        )
        .meta({ title: "Contract type" }),
      startDate: date("Enter your start date").meta({ title: "Start date" }),
      role: text(100, "Enter your role").meta({ title: "Role" }),
    }),
  })
  .step({
    name: "company-details",
    title: "Company details",
    schema: z.strictObject({
      companyName: text(200, "Enter your company's name").meta({ title: "Company name" }),
      vatId: z
        .string({ error: "Enter your VAT ID" })
        .max(14, "At most 14 characters")
        .regex(/^[A-Z]{2}[A-Z0-9]{2,12}$/, "Two letters, then 2 to 12 letters or digits")
        .meta({ title: "VAT ID", description: "Country code and number, such as DE123456789" }),
    }),
    when: (data) => data["contract-details"]?.contractType === "contractor",
  })
  .step({
    name: "review",
    title: "Review and accept",
    schema: z.strictObject({
      acceptTerms: z
        .literal(true, "You must accept the terms")
        .meta({ title: "I accept the terms" }),
    }),
  });

export default [onboarding];
