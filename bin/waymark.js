#!/usr/bin/env node
// Registers the TypeScript loader first, so the CLI and the user's flow files run as
// TypeScript with no build step.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
