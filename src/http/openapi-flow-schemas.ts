import { flowLocales, flowText } from "../flow/messages.ts";
import type { FlowDefinition } from "../flow/types.ts";
import { shippedLocales } from "../i18n/catalogue.ts";
import type { Contract, FlowFacts, Schema, StepFacts } from "./openapi-flows.ts";
import { choice, constant, integer, object, ref, timestamp } from "./openapi-schemas.ts";
import { embedStepSchema, savedStepSchema } from "./openapi-step-schema.ts";

/** The schemas of one flow: its representation, description, steps and their data. */
export function flowSchemas(contract: Contract, flow: FlowFacts): Schema {
  const { names, versions, newest } = flow;
  const every = versions.flatMap((version) => version.steps);
  const translated = translations(versions);
  const stepTitles = (definitions: readonly FlowDefinition[]) =>
    definitions.flatMap((version) =>
      version.steps.flatMap((step) => translated(version, step.title)),
    );
  const stepCounts = versions.map((version) => version.steps.length);
  const href: Schema = {
    type: "string",
    format: "uri-reference",
    maxLength: contract.maxHref,
    description: "The step's address: its number, under the flow's own",
  };
  const representation = (secret: boolean): Schema =>
    object(
      {
        flowId: ref("FlowId"),
        flow: constant(flow.name),
        title: choice(versions.flatMap((version) => translated(version, version.title))),
        definitionVersion: integer(
          versions[0]?.version ?? 1,
          newest.version,
          "The definition version the flow is on: the one it started on, unless it was migrated",
        ),
        migratedFrom: object(
          {
            definitionVersion: integer(
              versions[0]?.version ?? 1,
              newest.version,
              "The version the flow started on",
            ),
            at: timestamp("When it moved"),
          },
          ["definitionVersion", "at"],
          "Present once a deploy moved the flow to a newer definition version",
        ),
        version: integer(1, Number.MAX_SAFE_INTEGER, "Grows by one with each change"),
        status: ref("FlowStatus"),
        steps: {
          type: "array",
          minItems: Math.min(...stepCounts),
          maxItems: Math.max(...stepCounts),
          items: ref(names.summary),
        },
        currentStep: ref(names.current),
        data: ref(names.data),
        createdAt: timestamp("When the flow started"),
        updatedAt: timestamp("When it last changed"),
        expiresAt: timestamp("When it expires unless it changes before then (sliding)"),
        links: object(
          { self: ref("Link"), current: ref("Link") },
          ["self"],
          "`self`, and `current`: the step to do next",
        ),
        ...(secret
          ? {
              flowSecret: {
                type: "string",
                minLength: 43,
                maxLength: 43,
                pattern: "^[A-Za-z0-9_-]{43}$",
                description:
                  "The credential every later request sends as `Authorization: Bearer {flowSecret}`: shown once, kept only as a hash",
              },
            }
          : {}),
      },
      [
        "flowId",
        "flow",
        "title",
        "definitionVersion",
        "version",
        "status",
        "steps",
        "data",
        "createdAt",
        "updatedAt",
        "expiresAt",
        "links",
        ...(secret ? ["flowSecret"] : []),
      ],
      secret
        ? `A ${newest.title} flow just started, with its flowSecret`
        : `A ${newest.title} flow: everything a client needs to drive it. \`currentStep\` is absent once it is completed.`,
    );
  const schemas: Schema = {
    [names.flow]: representation(false),
    ...(flow.access === "secret" ? { [names.started]: representation(true) } : {}),
    [names.summary]: object(
      {
        number: integer(1, Math.max(...stepCounts), "1-based position in the definition"),
        name: choice(every.map((step) => step.name)),
        title: choice(stepTitles(versions)),
        status: ref("StepStatus"),
        href,
      },
      ["number", "name", "title", "status", "href"],
      "One step's position, name and status; `PUT {href}` submits it",
    ),
    [names.current]: object(
      {
        number: integer(1, Math.max(...stepCounts)),
        name: choice(every.map((step) => step.name)),
        title: choice(stepTitles(versions)),
        href,
        schema: ref("JsonSchema"),
        errors: migrationErrors(contract),
      },
      ["number", "name", "title", "href", "schema"],
      "The step to do next, with the JSON Schema its data must match",
    ),
    [names.data]: {
      type: "object",
      description: 'Each done step\'s saved data, keyed by step name: `data["step-name"].field`',
      additionalProperties: false,
      properties: Object.fromEntries(
        [...new Set(every.map((step) => step.name))].map((name) => {
          const facts = flow.steps.find((candidate) => candidate.step.name === name);
          return [name, facts ? ref(facts.saved) : { type: "object" }];
        }),
      ),
    },
    [names.description]: object(
      {
        flow: constant(flow.name),
        title: choice(translated(newest, newest.title)),
        ...(newest.description === undefined
          ? {}
          : {
              description: choice(
                translated(newest, newest.description),
                "What the flow is for, in the answer's language",
              ),
            }),
        definitionVersion: integer(
          newest.version,
          newest.version,
          "The version new flows start on",
        ),
        ttlMs: integer(newest.ttlMs, newest.ttlMs, "How long a flow lives after its last change"),
        access: constant(flow.access),
        steps: {
          type: "array",
          minItems: newest.steps.length,
          maxItems: newest.steps.length,
          items: ref(names.described),
        },
        links: object(
          {
            start: object(
              {
                href: constant(`${contract.base}/${flow.name}`),
                method: constant("POST"),
              },
              ["href", "method"],
              "Where a flow starts",
            ),
          },
          ["start"],
          "`start`: where to start a flow",
        ),
      },
      [
        "flow",
        "title",
        ...(newest.description === undefined ? [] : ["description"]),
        "definitionVersion",
        "ttlMs",
        "access",
        "steps",
        "links",
      ],
      `The ${newest.title} flow described, without starting one`,
    ),
    [names.described]: object(
      {
        number: integer(1, newest.steps.length),
        name: choice(newest.steps.map((step) => step.name)),
        title: choice(stepTitles([newest])),
        conditional: {
          type: "boolean",
          description: "The step applies to some flows only, decided by earlier answers",
        },
        schema: ref("JsonSchema"),
      },
      ["number", "name", "title", "conditional", "schema"],
      "One step of the description",
    ),
  };
  for (const facts of flow.steps) {
    Object.assign(schemas, stepSchemas(contract, flow, facts, translated));
  }
  return schemas;
}

/**
 * A definition's text in every language an answer may be in: as written, and as its
 * `messages` translate it into Waymark's languages and those of any version's
 * `messages`. A `messages` function that throws adds nothing (such a request is a 500).
 */
function translations(
  versions: readonly FlowDefinition[],
): (definition: FlowDefinition, text: string) => string[] {
  const languages = [...new Set([...shippedLocales, ...versions.flatMap(flowLocales)])];
  return (definition, text) => [
    text,
    ...languages.flatMap((language) => {
      try {
        return [flowText(definition, language, text)];
      } catch {
        return [];
      }
    }),
  ];
}

/** What a step takes, what it saves, and its representation. */
function stepSchemas(
  contract: Contract,
  flow: FlowFacts,
  facts: StepFacts,
  translated: (definition: FlowDefinition, text: string) => string[],
): Schema {
  const { step } = facts;
  const same = flow.versions.flatMap((version) =>
    version.steps.filter((other) => other.name === step.name),
  );
  const titles = flow.versions.flatMap((version) =>
    version.steps
      .filter((other) => other.name === step.name)
      .flatMap((other) => translated(version, other.title)),
  );
  const numbers = same.map((other) => other.number);
  const schemas: Schema = {
    [facts.body]: {
      title: step.title,
      ...embedStepSchema(step.jsonSchema, facts.body, contract.maxBodyBytes),
    },
  };
  const saved = savedStepSchema(step);
  if (saved) {
    schemas[facts.saved] = embedStepSchema(saved, facts.saved, contract.maxBodyBytes);
  }
  schemas[facts.representation] = object(
    {
      flowId: ref("FlowId"),
      number: integer(Math.min(...numbers), Math.max(...numbers)),
      name: constant(step.name),
      title: choice(titles),
      status: ref("StepStatus"),
      data: {
        anyOf: [ref(facts.saved), { type: "null" }, { type: "object" }],
        description:
          "The saved data, null until done; for a step a migration sent back (see `errors`), what the user had entered, which no longer passes",
      },
      errors: migrationErrors(contract),
      schema: ref("JsonSchema"),
      href: {
        type: "string",
        format: "uri-reference",
        maxLength: contract.maxHref,
        description: "The step's address, by number",
      },
      links: object({ flow: ref("Link") }, ["flow"], "`flow`: the flow this step belongs to"),
    },
    ["flowId", "number", "name", "title", "status", "data", "schema", "href", "links"],
    `The "${step.name}" step of a ${flow.newest.title} flow: its saved data, status and JSON Schema`,
  );
  return schemas;
}

/** The field errors of a step a migration sent back. */
function migrationErrors(contract: Contract): Schema {
  return {
    type: "array",
    maxItems: contract.maxBodyBytes,
    items: ref("FieldError"),
    description:
      "Only when a migration to a newer definition version sent the user back to this step: what the new version refused in their answers",
  };
}
