import { defineFlow, defineStep } from "waymark";
import { z } from "zod";

const date = z.iso.date().describe("A date as YYYY-MM-DD");

/** True when someone born on `dateOfBirth` (YYYY-MM-DD) is at least `years` old on `now`. */
function isAtLeast(years: number, dateOfBirth: string, now: Date): boolean {
  const [year, month, day] = dateOfBirth.split("-").map(Number) as [number, number, number];
  const today = [now.getUTCFullYear(), now.getUTCMonth() + 1, now.getUTCDate()] as const;
  const age =
    today[0] - year - (today[1] < month || (today[1] === month && today[2] < day) ? 1 : 0);
  return age >= years;
}

/**
 * The seed's four-step onboarding. Step 3 applies to contractors only; submitting the
 * review completes the flow.
 */
export const onboarding = defineFlow({
  name: "onboarding",
  version: 1,
  ttl: "7d",
  steps: [
    defineStep({
      name: "personal-info",
      title: "Personal information",
      schema: z.strictObject({
        firstName: z.string().trim().min(1).max(100).meta({ title: "First name" }),
        lastName: z.string().trim().min(1).max(100).meta({ title: "Last name" }),
        email: z.email().max(254).meta({ title: "Email" }),
        dateOfBirth: date.meta({ title: "Date of birth" }),
      }),
      check: ({ dateOfBirth }, { now }) =>
        isAtLeast(18, dateOfBirth, now)
          ? []
          : [{ path: "/dateOfBirth", message: "You must be at least 18 years old" }],
    }),
    defineStep({
      name: "contract-details",
      title: "Contract details",
      schema: z.strictObject({
        contractType: z.enum(["employee", "contractor"]).meta({ title: "Contract type" }),
        startDate: date.meta({ title: "Start date" }),
        role: z.string().trim().min(1).max(100).meta({ title: "Role" }),
      }),
    }),
    defineStep({
      name: "company-details",
      title: "Company details",
      schema: z.strictObject({
        companyName: z.string().trim().min(1).max(200).meta({ title: "Company name" }),
        vatId: z
          .string()
          .max(14)
          .regex(/^[A-Z]{2}[A-Z0-9]{2,12}$/, "Two letters, then 2 to 12 letters or digits")
          .meta({ title: "VAT ID" }),
      }),
      when: (data) => data["contract-details"]?.contractType === "contractor",
    }),
    defineStep({
      name: "review",
      title: "Review and accept",
      schema: z.strictObject({
        acceptTerms: z
          .literal(true, "You must accept the terms")
          .meta({ title: "I accept the terms" }),
      }),
    }),
  ],
});

export default [onboarding];
