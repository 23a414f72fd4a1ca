import { defineFlow } from "waymark";
import { z } from "zod";

/**
 * Three versions of one "signup" flow, as a team would deploy them:
 * - v1: `contact` { name, email }, `plan` { tier }, `confirm` { accept };
 * - v2: renames `name` to `fullName`, adds `country` (the migration gives "NL"), and
 *   drops the "free" tier (flows that chose it are sent back to `plan`);
 * - v3: `email` must be at a company domain (no migration can fix that, so such flows are
 *   sent back to `contact`).
 */
export const signupV1 = defineFlow({ name: "signup", version: 1, ttl: "1h" })
  .step({
    name: "contact",
    schema: z.strictObject({ name: z.string().min(1), email: z.email() }),
  })
  .step({
    name: "plan",
    schema: z.strictObject({ tier: z.enum(["free", "team", "enterprise"]) }),
  })
  .step({ name: "confirm", schema: z.strictObject({ accept: z.literal(true) }) });

export const signupV2 = defineFlow({ name: "signup", version: 2, ttl: "1h" })
  .step({
    name: "contact",
    schema: z.strictObject({
      fullName: z.string().min(1),
      email: z.email(),
      country: z.string().length(2),
    }),
  })
  .step({
    name: "plan",
    schema: z.strictObject({ tier: z.enum(["team", "enterprise"], "Choose a paid tier") }),
  })
  .step({ name: "confirm", schema: z.strictObject({ accept: z.literal(true) }) })
  .migrateFrom(signupV1, ({ contact, ...rest }) => ({
    ...rest,
    ...(contact
      ? { contact: { fullName: contact.name, email: contact.email, country: "NL" } }
      : {}),
  }));

export const signupV3 = defineFlow({ name: "signup", version: 3, ttl: "1h" })
  .step({
    name: "contact",
    schema: z.strictObject({
      fullName: z.string().min(1),
      email: z.email().refine((email) => !email.endsWith("@mail.example"), "Use a work email"),
      country: z.string().length(2),
    }),
  })
  .step({
    name: "plan",
    schema: z.strictObject({ tier: z.enum(["team", "enterprise"]) }),
  })
  .step({ name: "confirm", schema: z.strictObject({ accept: z.literal(true) }) })
  .migrateFrom(signupV2, (data) => data);

/** A v2 whose migration throws, as a buggy deploy's would. */
export const signupV2Broken = defineFlow({ name: "signup", version: 2, ttl: "1h" })
  .step({ name: "contact", schema: z.strictObject({ fullName: z.string() }) })
  .migrateFrom(signupV1, () => {
    throw new Error("bug in the migration");
  });

/** v1's data for its first step, and the v2 answers that go with it. */
export const contactV1 = { name: "Ada Lovelace", email: "ada@example.com" };
