export { hour, sampleRecord } from "../../src/testing/records.ts";
