/** One open object or array while scanning, with the JSON Pointer to it. */
interface Frame {
  pointer: string;
  /** The member names seen so far; undefined for an array. */
  names: Set<string> | undefined;
  /** The member whose value comes next, or the array index. */
  at: string;
}

/**
 * The JSON Pointer (RFC 6901) of the first member whose name repeats an earlier one in
 * the same object, at any depth, or undefined when there is none. I-JSON (RFC 7493 §2.3)
 * forbids duplicate names because parsers disagree on which value wins: JSON.parse keeps
 * the last, a proxy or audit log may read the first. `text` must already be valid JSON
 * (parse it first); this only walks it, in one pass and without recursion.
 *
 * @example findDuplicateKey('{"a":{"b":1,"b":2}}') // "/a/b"
 */
export function findDuplicateKey(text: string): string | undefined {
  const stack: Frame[] = [];
  let expectName = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    const top = stack.at(-1);
    if (char === "{" || char === "[") {
      const pointer = top ? `${top.pointer}/${pointerToken(top.at)}` : "";
      stack.push({ pointer, names: char === "{" ? new Set() : undefined, at: "0" });
      expectName = char === "{";
    } else if (char === "}" || char === "]") {
      stack.pop();
      expectName = false;
    } else if (char === ",") {
      if (top?.names) expectName = true;
      else if (top) top.at = String(Number(top.at) + 1);
    } else if (char === '"') {
      const end = closingQuote(text, index);
      if (expectName && top?.names) {
        const name = JSON.parse(text.slice(index, end + 1)) as string;
        if (top.names.has(name)) return `${top.pointer}/${pointerToken(name)}`;
        top.names.add(name);
        top.at = name;
        expectName = false;
      }
      index = end;
    }
  }
  return undefined;
}

/** The index of the quote that closes the string opening at `start`. */
function closingQuote(text: string, start: number): number {
  for (let index = start + 1; index < text.length; index++) {
    if (text[index] === "\\") index++;
    else if (text[index] === '"') return index;
  }
  return text.length - 1;
}

function pointerToken(name: string): string {
  return name.replaceAll("~", "~0").replaceAll("/", "~1");
}
