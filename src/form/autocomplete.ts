/** What browsers can fill in for common field names (keys without case or separators). */
const byName: Readonly<Record<string, string>> = {
  name: "name",
  fullname: "name",
  cardholder: "cc-name",
  cardnumber: "cc-number",
  expiry: "cc-exp",
  firstname: "given-name",
  givenname: "given-name",
  lastname: "family-name",
  familyname: "family-name",
  surname: "family-name",
  email: "email",
  billingemail: "email",
  phone: "tel",
  telephone: "tel",
  dateofbirth: "bday",
  birthdate: "bday",
  company: "organization",
  companyname: "organization",
  organization: "organization",
  jobtitle: "organization-title",
  street: "street-address",
  country: "country-name",
  city: "address-level2",
  postalcode: "postal-code",
  zip: "postal-code",
};

/**
 * The HTML `autocomplete` token for a field named `name` ("postalCode", "postal_code" →
 * "postal-code"), or undefined when the name is not a common one.
 *
 * @example autocompleteOf("cardNumber") // "cc-number"
 */
export function autocompleteOf(name: string): string | undefined {
  return byName[name.replace(/[-_]/g, "").toLowerCase()];
}
