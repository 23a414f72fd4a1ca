import type { Field } from "./fields.ts";
import { isObject, sameValue } from "./schema.ts";

/**
 * Which of a `variants` field's members `value` belongs to, as an index into
 * `field.variants`: by the discriminator's value when the field has one, else the first
 * variant whose fields hold every key of `value`. `undefined` when `value` is not an
 * object, is an empty object (nothing chosen yet), or fits no variant.
 *
 * @example variantOf(paymentField, { method: "invoice", companyName: "…" }) // 1
 */
export function variantOf(field: Field, value: unknown): number | undefined {
  if (!isObject(value) || Object.keys(value).length === 0) return undefined;
  const index = field.variants.findIndex((variant) => {
    if (field.discriminator !== undefined) {
      return sameValue(variant.tag, value[field.discriminator]);
    }
    const names = new Set(variant.fields.map((child) => child.name));
    return Object.keys(value).every((key) => names.has(key));
  });
  return index === -1 ? undefined : index;
}
