import { defineFlow } from "waymark";
import { z } from "zod";
import { checkoutMessages } from "./messages.ts";

/** A required line of text, trimmed; `missing` is the message when it is absent or blank. */
const text = (max: number, missing: string) =>
  z.string({ error: missing }).trim().min(1, missing).max(max, `At most ${max} characters`);

/** One of `options` (value → label): a choice whose labels the wizard shows. */
function choice<const Value extends string>(
  options: Readonly<Record<Value, string>>,
  missing: string,
) {
  const [first, ...rest] = (Object.keys(options) as Value[]).map((value) =>
    z.literal(value).meta({ title: options[value] }),
  );
  if (!first) throw new Error("a choice needs at least one option");
  return z.union([first, ...rest], { error: missing });
}

const quantity = "Enter a quantity from 1 to 99";

/**
 * A shop's checkout in four steps: the cart (1 to 20 rows of product and quantity), the
 * payment (card or invoice, a discriminated union), the delivery address and the
 * review. Served with `npx waymark serve --flows examples/checkout/flow.ts`.
 */
export const checkout = defineFlow({
  name: "checkout",
  title: "Checkout",
  description: "Choose your products, how to pay and where we deliver, then place your order.",
  version: 1,
  ttl: "2d",
  messages: checkoutMessages,
})
  .step({
    name: "cart",
    title: "Your cart",
    schema: z.strictObject({
      items: z
        .array(
          z
            .strictObject({
              sku: choice(
                {
                  "tea-green": "Green tea, 100 g",
                  "tea-black": "Black tea, 100 g",
                  "mug-white": "White mug",
                  "pot-glass": "Glass teapot, 1 l",
                  "strainer-steel": "Steel strainer",
                  "gift-box": "Gift box",
                },
                "Choose a product",
              ).meta({ title: "Product" }),
              qty: z
                .int({ error: quantity })
                .min(1, quantity)
                .max(99, quantity)
                .meta({ title: "Quantity" }),
            })
            .meta({ title: "Item" }),
          { error: "Add at least one item" },
        )
        .min(1, "Add at least one item")
        .max(20, "At most 20 items per order")
        .meta({ title: "Items" }),
      giftNote: z
        .string()
        .trim()
        .max(200, "At most 200 characters")
        .optional()
        .meta({ title: "Gift note", description: "Printed on a card in the parcel" }),
    }),
  })
  .step({
    name: "payment",
    title: "Payment",
    schema: z
      .discriminatedUnion(
        "method",
        [
          z
            .strictObject({
              method: z.literal("card"),
              cardholder: text(100, "Enter the name on the card").meta({
                title: "Name on the card",
              }),
              cardNumber: z
                .string({ error: "Enter the card number" })
                .regex(/^\d{12,19}$/, "Enter the 12 to 19 digits of the card number, no spaces")
                .meta({ title: "Card number" }),
              expiry: z
                .string({ error: "Enter the expiry date" })
                .regex(/^(0[1-9]|1[0-2])\/\d{2}$/, "Enter the expiry date as MM/YY")
                .meta({ title: "Expiry date", description: "MM/YY, as on the card" }),
            })
            .meta({ title: "Card" }),
          z
            .strictObject({
              method: z.literal("invoice"),
              companyName: text(200, "Enter your company's name").meta({ title: "Company name" }),
              vatId: z
                .string()
                .regex(/^[A-Z]{2}[A-Z0-9]{2,12}$/, "Two letters, then 2 to 12 letters or digits")
                .optional()
                .meta({
                  title: "VAT ID",
                  description: "Country code and number, such as DE123456789",
                }),
              billingEmail: z
                .email({ error: "Enter an email address like name@example.com" })
                .max(254, "At most 254 characters")
                .meta({ title: "Billing email" }),
            })
            .meta({ title: "Invoice" }),
        ],
        { error: "Choose how to pay" },
      )
      .meta({ title: "Payment method" }),
  })
  .step({
    name: "address",
    title: "Delivery address",
    schema: z.strictObject({
      name: text(100, "Enter the recipient's name").meta({ title: "Name" }),
      street: text(200, "Enter the street and number").meta({ title: "Street" }),
      postalCode: text(10, "Enter the postal code").meta({ title: "Postal code" }),
      city: text(100, "Enter the city").meta({ title: "City" }),
      country: choice(
        {
          DE: "Germany",
          AT: "Austria",
          CH: "Switzerland",
          FR: "France",
          NL: "Netherlands",
          AE: "United Arab Emirates",
        },
        "Choose a country",
      ).meta({ title: "Country" }),
    }),
  })
  .step({
    name: "review",
    title: "Review and place the order",
    schema: z.strictObject({
      acceptTerms: z
        .literal(true, "You must accept the terms")
        .meta({ title: "I accept the terms of sale" }),
    }),
  });

export default [checkout];
