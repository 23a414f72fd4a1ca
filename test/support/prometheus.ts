/**
 * A strict reader of Prometheus's text exposition format (version 0.0.4), for tests: it
 * throws on any line the format does not allow, on a sample of a family with no `# TYPE`
 * before it, on a label name or value that is malformed, on a series given twice, and on
 * a histogram whose buckets do not grow or whose `+Inf` bucket differs from its `_count`.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const types = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

export function parsePrometheusText(text: string): Sample[] {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a line feed");
  const typed = new Map<string, string>();
  const helped = new Set<string>();
  const seen = new Set<string>();
  const samples: Sample[] = [];
  for (const [index, line] of text.slice(0, -1).split("\n").entries()) {
    const where = `line ${index + 1}: ${line}`;
    if (line === "") continue;
    if (line.startsWith("#")) {
      const match = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      if (!match) continue; // a plain comment
      const [, keyword, name = "", rest = ""] = match;
      if (!metricName.test(name)) throw new Error(`bad metric name, ${where}`);
      if (keyword === "TYPE") {
        if (!types.has(rest)) throw new Error(`unknown type, ${where}`);
        if (typed.has(name)) throw new Error(`TYPE twice, ${where}`);
        typed.set(name, rest);
      } else {
        if (helped.has(name)) throw new Error(`HELP twice, ${where}`);
        helped.add(name);
      }
      continue;
    }
    const sample = parseSample(line, where);
    const family = familyOf(sample.name, typed);
    if (!family) throw new Error(`sample without a TYPE before it, ${where}`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`series twice, ${where}`);
    seen.add(key);
    samples.push(sample);
  }
  checkHistograms(samples, typed);
  return samples;
}

function parseSample(line: string, where: string): Sample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
  if (!match) throw new Error(`malformed sample, ${where}`);
  const [, name = "", , labelText = "", valueText = ""] = match;
  const labels: Record<string, string> = {};
  let rest = labelText;
  while (rest !== "") {
    const label = /^([^=]+)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
    if (!label) throw new Error(`malformed labels, ${where}`);
    const [whole, key = "", value = ""] = label;
    if (!labelName.test(key) || key.startsWith("__")) throw new Error(`bad label name, ${where}`);
    if (Object.hasOwn(labels, key)) throw new Error(`label twice, ${where}`);
    labels[key] = value.replace(/\\(.)/g, (_, char: string) => (char === "n" ? "\n" : char));
    rest = rest.slice(whole.length);
  }
  const value =
    valueText === "+Inf"
      ? Number.POSITIVE_INFINITY
      : valueText === "-Inf"
        ? Number.NEGATIVE_INFINITY
        : valueText === "NaN"
          ? Number.NaN
          : /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(valueText)
            ? Number(valueText)
            : undefined;
  if (value === undefined) throw new Error(`bad value, ${where}`);
  return { name, labels, value };
}

/** The family a sample belongs to: its own name, or a histogram's or summary's. */
function familyOf(name: string, typed: Map<string, string>): string | undefined {
  if (typed.has(name)) return name;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    const base = name.slice(0, -suffix.length);
    const type = typed.get(base);
    if (name.endsWith(suffix) && (type === "histogram" || type === "summary")) return base;
  }
  return undefined;
}

function checkHistograms(samples: readonly Sample[], typed: Map<string, string>) {
  for (const [family, type] of typed) {
    if (type !== "histogram") continue;
    const series = new Map<string, Sample[]>();
    for (const sample of samples.filter((s) => s.name === `${family}_bucket`)) {
      const { le, ...others } = sample.labels;
      if (le === undefined) throw new Error(`${family}_bucket without le`);
      const key = JSON.stringify(Object.entries(others).sort());
      series.set(key, [...(series.get(key) ?? []), sample]);
    }
    for (const [key, buckets] of series) {
      let previous = -1;
      for (const bucket of buckets) {
        if (bucket.value < previous) throw new Error(`${family} buckets shrink for ${key}`);
        previous = bucket.value;
      }
      const last = buckets.at(-1);
      if (last?.labels.le !== "+Inf") throw new Error(`${family} has no +Inf bucket for ${key}`);
      const count = samples.find(
        (s) =>
          s.name === `${family}_count` && JSON.stringify(Object.entries(s.labels).sort()) === key,
      );
      if (count?.value !== last.value) throw new Error(`${family}_count differs for ${key}`);
    }
  }
}

/** The value of one series, or undefined when there is none with exactly these labels. */
export function seriesValue(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return samples.find(
    (sample) =>
      sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === wanted,
  )?.value;
}
