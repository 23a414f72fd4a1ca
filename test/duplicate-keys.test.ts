import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findDuplicateKey } from "../src/http/duplicate-keys.ts";

describe("findDuplicateKey", () => {
  it.each([
    ['{"acceptTerms":false,"acceptTerms":true}', "/acceptTerms"],
    ['{"a":{"b":1,"c":2,"b":3}}', "/a/b"],
    ['{"list":[{"x":1},{"y":1,"y":2}]}', "/list/1/y"],
    ['{"a\\u0062":1,"ab":2}', "/ab"],
    ['{"a/b":{"~":1,"~":2}}', "/a~1b/~0"],
    ['[[],[{"k":1}],{"k":1,"k":1}]', "/2/k"],
    ['{"":1,"":2}', "/"],
  ])("finds the repeat in %s", (text, pointer) => {
    expect(findDuplicateKey(text)).toBe(pointer);
  });

  it.each([
    '{"a":1,"b":{"a":1}}',
    '{"a":"\\"a\\":1","b":"}{,"}',
    '[{"a":1},{"a":1}]',
    '{"a":[1,2,{"b":[{"b":1}]}],"b":2}',
    '"{\\"a\\":1,\\"a\\":2}"',
    "42",
  ])("finds none in %s", (text) => {
    expect(findDuplicateKey(text)).toBeUndefined();
  });

  it("agrees with JSON.parse on any JSON value: none repeat, since JSON.stringify never does", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(findDuplicateKey(JSON.stringify(value))).toBeUndefined();
      }),
    );
  });

  it("finds a member appended twice to any object", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), (object, name) => {
        const text = JSON.stringify(object).replace(/}$/, "");
        const member = `${JSON.stringify(name)}:1`;
        const doubled = `${text}${text === "{" ? "" : ","}${member},${member}}`;
        const pointer = `/${name.replaceAll("~", "~0").replaceAll("/", "~1")}`;
        expect(findDuplicateKey(doubled)).toBe(pointer);
      }),
    );
  });
});
