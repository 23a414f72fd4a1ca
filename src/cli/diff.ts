import { diffFlows, type FlowChange } from "../flow/diff.ts";
import { createRegistry, type FlowRegistry } from "../flow/registry.ts";
import { loadFlows } from "./load-flows.ts";

/**
 * `waymark diff OLD NEW`: compares the newest version of each flow in two flow files
 * and prints the changes, as a table or (`json`) a JSON array of {@link FlowChange}s.
 * Resolves the exit code: 0 when no breaking change is left uncovered by a migration,
 * 1 when one is, 2 when a file does not load.
 */
export async function runDiff(
  oldFile: string,
  newFile: string,
  options: { json: boolean },
): Promise<number> {
  const [before, after] = await Promise.all([load(oldFile), load(newFile)]);
  if (typeof before === "string" || typeof after === "string") {
    for (const failure of [before, after]) {
      if (typeof failure === "string") process.stderr.write(`waymark: ${failure}\n`);
    }
    return 2;
  }
  const names = [...new Set([...before.names, ...after.names])].sort();
  const flows = names.map((name) => {
    const [was, now] = [before.latest(name), after.latest(name)];
    return { name, was: was?.version, now: now?.version, changes: diffFlows(was, now) };
  });
  const changes = flows.flatMap((flow) => flow.changes);
  const uncovered = changes.filter((change) => change.breaking && !change.covered).length;
  if (options.json) process.stdout.write(`${JSON.stringify(changes, null, 2)}\n`);
  else {
    for (const flow of flows) process.stdout.write(`${table(flow)}\n\n`);
    const breaking = changes.filter((change) => change.breaking).length;
    process.stdout.write(
      uncovered > 0
        ? `${count(uncovered, "breaking change")} not covered by a migration or policy\n`
        : breaking > 0
          ? `${count(breaking, "breaking change")}, all covered\n`
          : "no breaking change\n",
    );
  }
  return uncovered > 0 ? 1 : 0;
}

/** The file's flows, indexed as `serve` indexes them; or why they could not be. */
async function load(file: string): Promise<FlowRegistry | string> {
  try {
    return createRegistry(await loadFlows(file));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return reason.includes(file) ? reason : `cannot load flows from ${file}: ${reason}`;
  }
}

function table(flow: {
  name: string;
  was: number | undefined;
  now: number | undefined;
  changes: FlowChange[];
}): string {
  const version = (v: number | undefined) => (v === undefined ? "(none)" : `v${v}`);
  const title = `${flow.name}  ${version(flow.was)} → ${version(flow.now)}`;
  if (flow.changes.length === 0) return `${title}: no changes`;
  const rows = [
    ["KIND", "STEP", "FIELD", "CHANGE", "IMPACT"],
    ...flow.changes.map((change) => [
      change.kind,
      change.step ?? "-",
      change.path === null ? "-" : change.path || "(all)",
      describe(change),
      change.breaking
        ? change.covered
          ? `breaking, covered for ${version(flow.was)} flows`
          : "breaking"
        : "compatible",
    ]),
  ];
  const widths = rows[0]?.map((_, column) =>
    Math.max(...rows.map((row) => row[column]?.length ?? 0)),
  );
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths?.[column] ?? 0))
      .join("  ")
      .trimEnd(),
  );
  return [title, ...lines.map((line) => `  ${line}`)].join("\n");
}

/** The CHANGE column: what changed, in a few words. */
function describe({ kind, keyword, from, to }: FlowChange): string {
  switch (kind) {
    case "flow-added":
      return `added as v${to}`;
    case "flow-removed":
      return `removed, was v${from}`;
    case "version-not-bumped":
      return `version ${from} → ${to}, not bumped`;
    case "ttl-changed":
      return `ttl ${duration(from)} → ${duration(to)}`;
    case "step-added":
      return `added as step ${to}`;
    case "step-removed":
      return `removed, was step ${from}`;
    case "step-renamed":
      return `renamed from ${from}`;
    case "step-moved":
      return `moved from step ${from} to ${to}`;
    case "when-added":
      return "when added";
    case "when-changed":
      return "when edited";
    case "when-removed":
      return "when removed";
    case "field-added":
      return `added, ${to}`;
    case "field-removed":
      return `removed, was ${from}`;
    case "field-required":
    case "field-optional":
      return `made ${to}`;
    case "type-narrowed":
    case "type-widened":
    case "type-changed":
      return `type ${types(from)} → ${types(to)}`;
    case "enum-value-removed":
      return `${keyword} value ${short(JSON.stringify(from))} removed`;
    case "enum-value-added":
      return `${keyword} value ${short(JSON.stringify(to))} added`;
    case "object-closed":
      return "closed to unknown fields";
    case "object-opened":
      return "open to unknown fields";
    case "variant-removed":
      return `${keyword} variant removed: ${short(JSON.stringify(from))}`;
    case "variant-added":
      return `${keyword} variant added: ${short(JSON.stringify(to))}`;
    default:
      return `${keyword} ${value(from)} → ${value(to)}`;
  }
}

function duration(ms: unknown): string {
  if (typeof ms !== "number") return String(ms);
  const units = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1_000],
  ] as const;
  const [unit, size] = units.find(([, size]) => ms % size === 0) ?? ["ms", 1];
  return `${ms / size}${unit}`;
}

function types(type: unknown): string {
  if (type === null) return "any";
  return Array.isArray(type) ? type.join(" | ") : String(type);
}

function value(item: unknown): string {
  return item === null ? "none" : short(JSON.stringify(item));
}

/** One line of at most 40 characters: sources and patterns can be long. */
function short(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 40 ? `${line.slice(0, 39)}…` : line;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
